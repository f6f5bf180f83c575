import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppLogger, handleApiRequest, MAX_BODY_BYTES } from '../../lambdas/api/app.ts';
import { errorBody, JSON_HEADERS, unauthorized } from '../../lambdas/api/http-error.ts';
import { isRole, ROLES, type Role } from '../../lambdas/api/roles.ts';
import type { ApiContext } from '../../lambdas/api/route.ts';

export class AdminTokensError extends Error {
  override name = 'AdminTokensError';
}

export type AdminToken = { readonly role: Role; readonly digest: Buffer };

/**
 * `E2L_ADMIN_TOKENS=alice:admin:<token>,bob:viewer:<token>`: each caller's name (it goes into audit
 * records), role (viewer, operator or admin) and token (it stays secret).
 */
export function parseAdminTokens(value: string | undefined): Map<string, AdminToken> {
  if (!value || value.trim() === '') {
    throw new AdminTokensError(
      'E2L_ADMIN_TOKENS environment variable is not set: give one or more name:role:token entries, comma-separated',
    );
  }
  const tokens = new Map<string, AdminToken>();
  for (const [i, entry] of value.split(',').entries()) {
    const [name = '', role = '', ...rest] = entry.trim().split(':');
    const token = rest.join(':');
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || rest.length === 0)
      throw new AdminTokensError(
        `E2L_ADMIN_TOKENS entry ${i + 1} must be name:role:token with a name of letters, digits, _ . -`,
      );
    if (!isRole(role))
      throw new AdminTokensError(
        `E2L_ADMIN_TOKENS entry ${i + 1} ("${name}") has role "${role}"; use one of ${ROLES.join(', ')}`,
      );
    if (token.length < 16 || /\s/.test(token))
      throw new AdminTokensError(
        `E2L_ADMIN_TOKENS token for "${name}" must be at least 16 characters without spaces`,
      );
    if (tokens.has(name)) throw new AdminTokensError(`E2L_ADMIN_TOKENS names "${name}" twice`);
    tokens.set(name, { role, digest: digest(token) });
  }
  return tokens;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The caller, or null. Every configured token is compared, in constant time, whatever matches. */
export function authenticate(
  header: string | undefined,
  tokens: ReadonlyMap<string, AdminToken>,
): { name: string; role: Role } | null {
  const match = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? '');
  const given = digest(match?.[1] ?? '');
  let found: { name: string; role: Role } | null = null;
  for (const [name, expected] of tokens) {
    if (timingSafeEqual(given, expected.digest) && match) found = { name, role: expected.role };
  }
  return found;
}

/** `e2-ledger serve`: the admin API on 127.0.0.1 with bearer tokens, the same routes as the Lambda. */
export async function startAdminServer(options: {
  ctx: ApiContext;
  tokens: ReadonlyMap<string, AdminToken>;
  port: number;
  host?: string;
  log: AppLogger;
}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const requestId = randomUUID();
    const caller = authenticate(req.headers.authorization, options.tokens);
    if (!caller) {
      req.resume();
      const refused = unauthorized(requestId);
      res.writeHead(refused.status, {
        ...refused.headers,
        'www-authenticate': 'Bearer',
        'x-request-id': requestId,
      });
      res.end(refused.body);
      return;
    }
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://admin');
    let response: Awaited<ReturnType<typeof handleApiRequest>>;
    if (body === 'too-large') {
      response = {
        status: 413,
        headers: { ...JSON_HEADERS },
        body: errorBody(
          {
            type: 'invalid_request_error',
            code: 'body_too_large',
            message: `bodies are limited to ${MAX_BODY_BYTES} bytes`,
          },
          requestId,
        ),
      };
    } else {
      response = await handleApiRequest(
        options.ctx,
        {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          contentType: req.headers['content-type'],
          body,
          principal: `local:${caller.name}`,
          role: caller.role,
          requestId,
        },
        options.log,
      );
    }
    res.writeHead(response.status, { ...response.headers, 'x-request-id': requestId });
    res.end(response.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<string | null | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      return 'too-large';
    }
    chunks.push(chunk as Buffer);
  }
  return size === 0 ? null : Buffer.concat(chunks).toString('utf8');
}
