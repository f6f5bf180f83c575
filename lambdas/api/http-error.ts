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
