import * as z from 'zod';
import { E2Error } from '../e2/errors.ts';
import type { AuditRecord } from '../ledger/model.ts';
import { httpErrorFromE2 } from './error-mapping.ts';
import { badRequest, errorBody, HttpError, JSON_HEADERS } from './http-error.ts';
import { openApiDocument } from './openapi.ts';
import { redactSecrets } from './redact.ts';
import { type Role, roleAllows } from './roles.ts';
import type { ApiContext, Route, RouteInput } from './route.ts';
import { routes } from './routes.ts';

export const MAX_BODY_BYTES = 64 * 1024;

/** A transport-neutral request: API Gateway and the local server both build one. */
export type ApiRequest = {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly contentType: string | undefined;
  readonly body: string | null;
  /** Authenticated caller (IAM principal ARN, or the admin token's name locally). */
  readonly principal: string;
  /** The caller's role; null when the principal has none (then every route answers 403). */
  readonly role: Role | null;
  readonly requestId: string;
};

export type ApiResponse = { status: number; headers: Record<string, string>; body: string };

export type AppLogger = { error(message: string, detail: Record<string, unknown>): void };

type Match = { route: Route; params: Record<string, string> };

/**
 * parse -> validate (zod) -> call the use case -> map the result or error. Validation happens before any
 * upstream call; mutating routes write an audit record before answering.
 */
export async function handleApiRequest(
  ctx: ApiContext,
  req: ApiRequest,
  log: AppLogger,
): Promise<ApiResponse> {
  try {
    if (req.method === 'GET' && req.path === '/openapi.json') {
      if (!req.role) throw forbidden(req, 'viewer');
      return json(200, openApiDocument());
    }
    const match = matchRoute(req.method, req.path);
    if (!req.role || !roleAllows(req.role, match.route.role))
      return await refused(ctx, req, match.route, log);
    const input = parseInput(match.route, match.params, req);
    match.route.check?.(ctx, input);
    if (!match.route.mutating) {
      const result = await match.route.handle(ctx, input);
      return json(result.status, result.body);
    }
    return await audited(ctx, req, match.route, input, log);
  } catch (error) {
    return errorResponse(error, req.requestId, log);
  }
}

function forbidden(req: ApiRequest, need: Role): HttpError {
  return new HttpError(
    403,
    'forbidden',
    req.role
      ? `the ${req.role} role may not call ${req.method} ${req.path}; it needs ${need}`
      : `${req.principal} has no e2-ledger role; ask an admin to grant one (viewer, operator or admin)`,
  );
}

/** A call above the caller's role: refused before anything is parsed or sent, and on the audit trail. */
async function refused(ctx: ApiContext, req: ApiRequest, route: Route, log: AppLogger): Promise<ApiResponse> {
  const error = forbidden(req, route.role);
  await ctx.ledger.putAudit({
    at: ctx.now().toISOString(),
    requestId: req.requestId,
    principal: req.principal,
    action: route.id,
    target: req.path,
    request: { method: req.method, path: req.path, role: req.role },
    outcome: 'failed',
    status: 403,
    code: error.code,
  });
  return errorResponse(error, req.requestId, log);
}

async function audited(
  ctx: ApiContext,
  req: ApiRequest,
  route: Route,
  input: RouteInput,
  log: AppLogger,
): Promise<ApiResponse> {
  const base: AuditRecord = {
    at: ctx.now().toISOString(),
    requestId: req.requestId,
    principal: req.principal,
    action: route.id,
    target: route.target?.(input) ?? '',
    request: redactSecrets({ params: input.params, query: input.query, body: input.body }) as Record<
      string,
      unknown
    >,
    outcome: 'pending',
    status: null,
    code: null,
  };
  // The intent is on record before IDrive is called, so even a crash leaves a trace.
  await ctx.ledger.putAudit(base);
  let response: ApiResponse;
  let record: AuditRecord;
  try {
    const result = await route.handle(ctx, input);
    response = json(result.status, result.body);
    record = { ...base, outcome: 'succeeded', status: result.status };
  } catch (error) {
    response = errorResponse(error, req.requestId, log);
    record = { ...base, outcome: 'failed', status: response.status, code: errorCode(error) };
  }
  await ctx.ledger.putAudit(record);
  return response;
}

export function matchRoute(method: string, path: string): Match {
  const segments = splitPath(path);
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  if (allowed.length > 0) {
    throw new HttpError(
      405,
      'method_not_allowed',
      `${method} is not allowed on ${path}; use ${allowed.join(', ')}`,
      { headers: { allow: allowed.join(', ') } },
    );
  }
  throw new HttpError(404, 'route_not_found', 'no such route; see GET /openapi.json');
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchPath(pattern: string, segments: readonly string[]): Record<string, string> | null {
  const parts = splitPath(pattern);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i]!;
    if (part.startsWith('{')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        throw badRequest(`path segment ${i + 1} is not valid percent-encoding`);
      }
      params[part.slice(1, -1)] = decoded;
    } else if (part !== segment) return null;
  }
  return params;
}

function parseInput(route: Route, rawParams: Record<string, string>, req: ApiRequest): RouteInput {
  const params = validate(route.params, rawParams, 'path') as Record<string, string>;
  const query = validate(route.query, req.query, 'query') as Record<string, unknown>;
  let body: Record<string, unknown> = {};
  const hasBody = req.body !== null && req.body.length > 0;
  if (hasBody) {
    // `{}` is what many clients send with a POST that has nothing to say: accept it as no body.
    if (!route.body && !/^\s*\{\s*\}\s*$/.test(req.body!))
      throw new HttpError(400, 'unexpected_body', `${route.method} ${route.path} takes no body`);
    if (Buffer.byteLength(req.body!, 'utf8') > MAX_BODY_BYTES)
      throw new HttpError(413, 'body_too_large', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
    if (!/^application\/json\s*(;|$)/i.test(req.contentType ?? ''))
      throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body!);
    } catch {
      throw badRequest('body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw badRequest('body must be a JSON object');
    body = parsed as Record<string, unknown>;
  }
  if (route.body && (hasBody || route.method !== 'DELETE'))
    body = validate(route.body, body, 'body') as Record<string, unknown>;
  if (route.confirm) {
    const expected = params[route.confirm]!;
    const given = typeof body.confirm === 'string' ? body.confirm : req.query.confirm;
    if (given !== expected) {
      throw new HttpError(
        400,
        'confirmation_required',
        `this removes data permanently: send {"confirm": "${expected}"} in the body or ?confirm=${encodeURIComponent(expected)}`,
      );
    }
  }
  return { params, query, body };
}

function validate(schema: z.ZodType | undefined, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  if (!schema) {
    if (where === 'query' && value && typeof value === 'object') {
      const unknownKeys = Object.keys(value).filter((k) => k !== 'confirm');
      if (unknownKeys.length > 0) throw badRequest(`unknown query parameter: ${unknownKeys.join(', ')}`);
    }
    return where === 'body' ? {} : value;
  }
  if (where === 'query' && value && typeof value === 'object' && schema instanceof z.ZodObject) {
    // The same rule on every route: a query parameter the route does not take is an error.
    const known = new Set([...Object.keys(schema.shape), 'confirm']);
    const unknownKeys = Object.keys(value).filter((k) => !known.has(k));
    if (unknownKeys.length > 0) throw badRequest(`unknown query parameter: ${unknownKeys.join(', ')}`);
  }
  const parsed = schema.safeParse(where === 'query' ? withoutConfirm(value) : value);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((i) => ({
    field: [where, ...i.path].join('.'),
    message: i.message,
  }));
  throw badRequest(`invalid ${where}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
}

function withoutConfirm(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const { confirm: _c, ...rest } = value as Record<string, unknown>;
  return rest;
}

function errorCode(error: unknown): string {
  if (error instanceof HttpError) return error.code;
  if (error instanceof E2Error) return httpErrorFromE2(error).code;
  return 'internal_error';
}

export function errorResponse(error: unknown, requestId: string, log: AppLogger): ApiResponse {
  const http = error instanceof HttpError ? error : error instanceof E2Error ? httpErrorFromE2(error) : null;
  if (http?.expose) {
    return {
      status: http.status,
      headers: { ...JSON_HEADERS, ...http.details.headers },
      body: errorBody(
        {
          type: http.type,
          code: http.code,
          message: http.message,
          ...(http.details.errors ? { errors: http.details.errors } : {}),
          ...(http.details.source ? { source: http.details.source } : {}),
        },
        requestId,
      ),
    };
  }
  // Unexpected: logged by name and message (never the request body), answered without detail.
  log.error('unexpected error', {
    requestId,
    name: (error as Error)?.name,
    message: (error as Error)?.message,
  });
  return {
    status: 500,
    headers: { ...JSON_HEADERS },
    body: errorBody(
      {
        type: 'api_error',
        code: 'internal_error',
        message: 'internal error; quote the request id to support',
      },
      requestId,
    ),
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}
