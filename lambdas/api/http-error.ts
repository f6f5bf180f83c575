/**
 * An error with an HTTP status, answered as `{ error: { type, code, message, errors? } }`.
 * `expose` (default: status < 500) decides whether the message reaches the caller; anything
 * unexposed becomes a generic 500 naming only the request id.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly expose: boolean;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: {
      type?: string;
      errors?: readonly unknown[];
      source?: 'idrive';
      headers?: Record<string, string>;
      expose?: boolean;
    } = {},
  ) {
    super(message);
    this.expose = details.expose ?? status < 500;
  }

  get type(): string {
    return this.details.type ?? (this.status >= 500 ? 'api_error' : 'invalid_request_error');
  }
}

export const badRequest = (message: string, errors?: readonly unknown[]) =>
  new HttpError(400, 'invalid_parameters', message, errors ? { errors } : {});

/** The one error body every answer uses: `{ error: { type, code, message, errors?, source?, requestId } }`. */
export function errorBody(
  error: { type: string; code: string; message: string; errors?: readonly unknown[]; source?: string },
  requestId: string,
): string {
  return JSON.stringify({
    error: {
      type: error.type,
      code: error.code,
      message: error.message,
      ...(error.errors ? { errors: error.errors } : {}),
      ...(error.source ? { source: error.source } : {}),
      requestId,
    },
  });
}

export const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
} as const;

/** A 401 for a missing or wrong credential: the same body whatever was wrong, with a request id. */
export function unauthorized(requestId: string): {
  status: 401;
  headers: Record<string, string>;
  body: string;
} {
  return {
    status: 401,
    headers: { ...JSON_HEADERS },
    body: errorBody(
      { type: 'invalid_request_error', code: 'unauthorized', message: 'missing or invalid credentials' },
      requestId,
    ),
  };
}
