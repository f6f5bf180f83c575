import { Pool } from 'undici';
import type { z } from 'zod';
import type { E2Config } from './config.ts';
import {
  E2ApiError,
  type E2ErrorContext,
  E2RequestValidationError,
  E2ResponseError,
  E2TransportError,
  redact,
} from './errors.ts';
import {
  type AttemptOutcome,
  defaultRetryPolicy,
  parseRetryAfter,
  type RetryPolicy,
  shouldRetry,
} from './retry-policy.ts';

/** One documented endpoint: how to call it and what its input and output look like. */
export type Operation<I, O> = {
  /** Stable name used in errors, logs and metrics, e.g. `users.usageStats`. */
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Path below the origin, e.g. `/api/reseller/v1/usage_stats`. */
  readonly path: string;
  /** Validates (and may normalise) the caller's input; `null` for calls without a body. */
  readonly input: z.ZodType<unknown, I> | null;
  readonly output: z.ZodType<O, unknown>;
  /** Creates a resource: retried only when the request provably never reached the server. */
  readonly createsSomething: boolean;
};

export type TransportOptions = {
  /** Per-attempt deadline in ms (connect + headers + body). */
  readonly timeoutMs?: number;
  /** Requests in flight at once against the API (the pool's connection count). */
  readonly maxConcurrency?: number;
  readonly retry?: RetryPolicy;
  /** Injectable so retry tests run in milliseconds. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called before each retry; counts feed metrics. Never receives the token. */
  readonly onRetry?: (event: { operation: string; attempt: number; delayMs: number; reason: string }) => void;
  readonly traceAttempt?: AttemptTracer;
};

export type TransportStats = { requests: number; retries: number };

/** What a tracer is told about one HTTP attempt: names and numbers only, never the token, body or email. */
export type AttemptSpan = {
  readonly operation: string;
  readonly method: Operation<unknown, unknown>['method'];
  /** Origin and path, e.g. `https://api.idrivee2.com/api/reseller/v1/usage_stats`. */
  readonly url: string;
  readonly attempt: number;
};
/** The outcome of one attempt as a tracer sees it. */
export type AttemptReport = {
  readonly ok: boolean;
  readonly status: number | null;
  readonly throttled: boolean;
};
/** Wraps each attempt (an X-Ray subsegment in Lambda); must call `run` exactly once and return its result. */
export type AttemptTracer = <R extends { readonly report: AttemptReport }>(
  span: AttemptSpan,
  run: () => Promise<R>,
) => Promise<R>;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Errors from undici that mean the TCP connection was never established. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Owns the HTTP connection pool, timeouts, retries and the token header. Every call validates its
 * input before any traffic and its output before returning.
 */
export class E2Transport {
  readonly #pool: Pool;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #onRetry: TransportOptions['onRetry'];
  readonly #traceAttempt: AttemptTracer;
  readonly #origin: string;
  readonly stats: TransportStats = { requests: 0, retries: 0 };

  constructor(config: E2Config, options: TransportOptions = {}) {
    this.#token = config.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry = options.retry ?? defaultRetryPolicy;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
    this.#traceAttempt = options.traceAttempt ?? ((_span, run) => run());
    this.#origin = config.apiUrl;
    this.#pool = new Pool(config.apiUrl, {
      connections: options.maxConcurrency ?? 16,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: Math.min(this.#timeoutMs, 10_000),
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  async call<I, O>(op: Operation<I, O>, input: I, email?: string): Promise<O> {
    const context: E2ErrorContext = { operation: op.name, email };
    const body = op.input ? JSON.stringify(validateInput(op, input, context)) : undefined;
    for (let attempt = 1; ; attempt++) {
      const span = { operation: op.name, method: op.method, url: `${this.#origin}${op.path}`, attempt };
      const result = await this.#traceAttempt(span, () => this.#attempt(op, body, context));
      if (result.ok) return parseOutput(op, result.json, result.status, context);
      const decision = shouldRetry(result.outcome, attempt, op.createsSomething, this.#retry, this.#random);
      if (!decision.retry) throw result.error;
      this.stats.retries++;
      this.#onRetry?.({
        operation: op.name,
        attempt,
        delayMs: decision.delayMs,
        reason: result.error.message,
      });
      await this.#sleep(decision.delayMs);
    }
  }

  async #attempt(
    op: Operation<unknown, unknown>,
    body: string | undefined,
    context: E2ErrorContext,
  ): Promise<
    | { ok: true; status: number; json: unknown; report: AttemptReport }
    | {
        ok: false;
        outcome: AttemptOutcome;
        error: E2ApiError | E2ResponseError | E2TransportError;
        report: AttemptReport;
      }
  > {
    this.stats.requests++;
    let status: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      const response = await this.#pool.request({
        path: op.path,
        method: op.method,
        headers: {
          token: this.#token,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = response.statusCode;
      const header = response.headers['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
      text = await response.body.text();
    } catch (cause) {
      return {
        ok: false,
        ...this.#networkFailure(cause, context),
        report: { ok: false, status: null, throttled: false },
      };
    }
    const report = { ok: status >= 200 && status < 300, status, throttled: status === 429 };
    if (status >= 200 && status < 300) {
      try {
        return { ok: true, status, json: JSON.parse(text), report };
      } catch {
        const error = new E2ResponseError(context, {
          status,
          field: '(body)',
          reason: 'body is not valid JSON',
          malformedJson: true,
        });
        return { ok: false, outcome: { kind: 'malformed-body' }, error, report: { ...report, ok: false } };
      }
    }
    const error = apiErrorFromBody(status, text, context, this.#token);
    return {
      ok: false,
      outcome: { kind: 'http', status, retryAfterMs: parseRetryAfter(retryAfter, Date.now()) },
      error,
      report,
    };
  }

  #networkFailure(
    cause: unknown,
    context: E2ErrorContext,
  ): { outcome: AttemptOutcome; error: E2TransportError } {
    const code = errorCode(cause);
    if (
      code === 'TimeoutError' ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'AbortError'
    ) {
      const error = new E2TransportError(
        context,
        {
          code: 'E2_TIMEOUT',
          neverReachedServer: false,
          message: `no response within ${this.#timeoutMs} ms`,
        },
        undefined,
      );
      return { outcome: { kind: 'timeout' }, error };
    }
    const neverReachedServer = CONNECT_FAILURES.has(code);
    const message = redact(cause instanceof Error ? cause.message : String(cause), [this.#token]);
    const error = new E2TransportError(context, {
      code,
      neverReachedServer,
      message: `network error: ${message}`,
    });
    return { outcome: { kind: 'network', neverReachedServer }, error };
  }
}

function errorCode(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) return 'UNKNOWN';
  const record = cause as { code?: unknown; name?: unknown; cause?: unknown };
  if (typeof record.code === 'string') return record.code;
  if (record.cause) {
    const inner = errorCode(record.cause);
    if (inner !== 'UNKNOWN') return inner;
  }
  return typeof record.name === 'string' ? record.name : 'UNKNOWN';
}

function validateInput<I>(op: Operation<I, unknown>, input: I, context: E2ErrorContext): unknown {
  const parsed = op.input!.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new E2RequestValidationError(
    context,
    parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  );
}

function parseOutput<O>(
  op: Operation<unknown, O>,
  json: unknown,
  status: number,
  context: E2ErrorContext,
): O {
  const parsed = op.output.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new E2ResponseError(context, {
    status,
    field: issue && issue.path.length > 0 ? issue.path.join('.') : '(body)',
    reason: issue?.message ?? 'does not match the documented shape',
    malformedJson: false,
  });
}

function apiErrorFromBody(status: number, text: string, context: E2ErrorContext, token: string): E2ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: Record<string, unknown> } | undefined)?.error;
  const str = (value: unknown, fallback: string) =>
    redact(typeof value === 'string' ? value : fallback, [token]);
  return new E2ApiError(context, {
    status,
    type: str(error?.type, status >= 500 ? 'api_error' : 'invalid_request_error'),
    code: str(error?.code, `http_${status}`),
    message: str(error?.message, error ? 'no message' : 'response body is not the documented error JSON'),
    errors: Array.isArray(error?.errors)
      ? (JSON.parse(redact(JSON.stringify(error.errors), [token])) as unknown[])
      : [],
  });
}
