/**
 * The retry decision, as one pure function: given what happened on an attempt, retry or not and after
 * how long. Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"),
 * capped; Retry-After from a 429/503 wins when present (also capped).
 */

export type RetryPolicy = {
  /** Total attempts including the first. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
};

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 20_000 };

export type AttemptOutcome =
  | { readonly kind: 'http'; readonly status: number; readonly retryAfterMs?: number | undefined }
  | { readonly kind: 'network'; readonly neverReachedServer: boolean }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'malformed-body' };

export type RetryDecision = { readonly retry: false } | { readonly retry: true; readonly delayMs: number };

/**
 * @param attempt 1-based number of the attempt that just failed
 * @param createsSomething the call creates a resource: retried only when it provably never reached the server
 * @param random a number in [0, 1): injectable so tests are deterministic
 */
export function shouldRetry(
  outcome: AttemptOutcome,
  attempt: number,
  createsSomething: boolean,
  policy: RetryPolicy = defaultRetryPolicy,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt >= policy.maxAttempts) return { retry: false };
  if (!isRetryable(outcome, createsSomething)) return { retry: false };
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  if (outcome.kind === 'http' && outcome.retryAfterMs !== undefined) {
    return { retry: true, delayMs: Math.min(policy.maxDelayMs, Math.max(outcome.retryAfterMs, jittered)) };
  }
  return { retry: true, delayMs: jittered };
}

function isRetryable(outcome: AttemptOutcome, createsSomething: boolean): boolean {
  if (outcome.kind === 'network') return outcome.neverReachedServer || !createsSomething;
  if (createsSomething) return false;
  switch (outcome.kind) {
    case 'http':
      return outcome.status === 429 || outcome.status >= 500;
    case 'timeout':
    case 'malformed-body':
      return true;
  }
}

/** Retry-After is either delta-seconds or an HTTP-date; anything else is ignored. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
