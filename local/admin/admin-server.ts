import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppLogger, handleApiRequest, MAX_BODY_BYTES } from '../../lambdas/api/app.ts';
import type { ApiContext } from '../../lambdas/api/routes.ts';

export class AdminTokensError extends Error {
  override name = 'AdminTokensError';
}

/** `E2L_ADMIN_TOKENS=alice:<token>,ops-bot:<token>`: names go into audit records, tokens stay secret. */
export function parseAdminTokens(value: string | undefined): Map<string, Buffer> {
  if (!value || value.trim() === '') {
    throw new AdminTokensError(
      'E2L_ADMIN_TOKENS environment variable is not set: give one or more name:token pairs, comma-separated',
    );
  }
  const tokens = new Map<string, Buffer>();
  for (const [i, pair] of value.split(',').entries()) {
    const at = pair.indexOf(':');
    const name = pair.slice(0, at).trim();
    const token = pair.slice(at + 1).trim();
    if (at < 1 || !/^[A-Za-z0-9_.-]{1,64}$/.test(name))
      throw new AdminTokensError(
        `E2L_ADMIN_TOKENS entry ${i + 1} must be name:token with a name of letters, digits, _ . -`,
      );
    if (token.length < 16 || /\s/.test(token))
      throw new AdminTokensError(
        `E2L_ADMIN_TOKENS token for "${name}" must be at least 16 characters without spaces`,
      );
    if (tokens.has(name)) throw new AdminTokensError(`E2L_ADMIN_TOKENS names "${name}" twice`);
    tokens.set(name, digest(token));
  }
  return tokens;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The caller's name, or null. Every configured token is compared, in constant time, whatever matches. */
export function authenticate(header: string | undefined, tokens: ReadonlyMap<string, Buffer>): string | null {
  const match = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? '');
  const given = digest(match?.[1] ?? '');
  let found: string | null = null;
  for (const [name, expected] of tokens) {
    if (timingSafeEqual(given, expected) && match) found = name;
  }
  return found;
}

const UNAUTHORIZED = JSON.stringify({
  error: { type: 'invalid_request_error', code: 'unauthorized', message: 'missing or invalid credentials' },
});

/** `e2-ledger serve`: the admin API on 127.0.0.1 with bearer tokens, the same routes as the Lambda. */
export async function startAdminServer(options: {
  ctx: ApiContext;
  tokens: ReadonlyMap<string, Buffer>;
  port: number;
  host?: string;
  log: AppLogger;
}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const requestId = randomUUID();
    const principal = authenticate(req.headers.authorization, options.tokens);
    if (!principal) {
      req.resume();
      res.writeHead(401, {
        'content-type': 'application/json; charset=utf-8',
        'www-authenticate': 'Bearer',
        'x-request-id': requestId,
      });
      res.end(UNAUTHORIZED);
      return;
    }
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://admin');
    let response: Awaited<ReturnType<typeof handleApiRequest>>;
    if (body === 'too-large') {
      response = {
        status: 413,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({
          error: {
            type: 'invalid_request_error',
            code: 'body_too_large',
            message: `bodies are limited to ${MAX_BODY_BYTES} bytes`,
            requestId,
          },
        }),
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
          principal: `local:${principal}`,
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
