import { describe, expect, it } from 'vitest';
import { parseRetryAfter, type RetryPolicy, shouldRetry } from '../../lambdas/e2/retry-policy.ts';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };
const max = () => 0.999999;

describe('shouldRetry', () => {
  it('retries 5xx and 429 on reads, never 4xx', () => {
    expect(shouldRetry({ kind: 'http', status: 500 }, 1, false, policy).retry).toBe(true);
    expect(shouldRetry({ kind: 'http', status: 503 }, 1, false, policy).retry).toBe(true);
    expect(shouldRetry({ kind: 'http', status: 429 }, 1, false, policy).retry).toBe(true);
    for (const status of [400, 401, 403, 404, 409]) {
      expect(shouldRetry({ kind: 'http', status }, 1, false, policy).retry).toBe(false);
    }
  });

  it('retries a creating call only when the request provably never reached the server', () => {
    expect(shouldRetry({ kind: 'network', neverReachedServer: true }, 1, true, policy).retry).toBe(true);
    expect(shouldRetry({ kind: 'network', neverReachedServer: false }, 1, true, policy).retry).toBe(false);
    expect(shouldRetry({ kind: 'http', status: 500 }, 1, true, policy).retry).toBe(false);
    expect(shouldRetry({ kind: 'http', status: 429 }, 1, true, policy).retry).toBe(false);
    expect(shouldRetry({ kind: 'timeout' }, 1, true, policy).retry).toBe(false);
    expect(shouldRetry({ kind: 'malformed-body' }, 1, true, policy).retry).toBe(false);
  });

  it('retries timeouts, resets and truncated bodies on reads', () => {
    expect(shouldRetry({ kind: 'timeout' }, 1, false, policy).retry).toBe(true);
    expect(shouldRetry({ kind: 'network', neverReachedServer: false }, 1, false, policy).retry).toBe(true);
    expect(shouldRetry({ kind: 'malformed-body' }, 1, false, policy).retry).toBe(true);
  });

  it('stops after maxAttempts', () => {
    expect(shouldRetry({ kind: 'http', status: 500 }, 3, false, policy).retry).toBe(true);
    expect(shouldRetry({ kind: 'http', status: 500 }, 4, false, policy).retry).toBe(false);
  });

  it('draws full-jitter delays below an exponential, capped ceiling', () => {
    const delays = [1, 2, 3].map((attempt) =>
      shouldRetry({ kind: 'http', status: 500 }, attempt, false, policy, max),
    );
    expect(delays.map((d) => (d.retry ? d.delayMs : -1))).toEqual([99, 199, 399]);
    const capped = shouldRetry({ kind: 'timeout' }, 3, false, { ...policy, baseDelayMs: 900 }, max);
    expect(capped.retry && capped.delayMs).toBe(999);
    const zero = shouldRetry({ kind: 'timeout' }, 1, false, policy, () => 0);
    expect(zero.retry && zero.delayMs).toBe(0);
  });

  it('honours Retry-After, within the cap', () => {
    const low = shouldRetry({ kind: 'http', status: 429, retryAfterMs: 700 }, 1, false, policy, () => 0);
    expect(low.retry && low.delayMs).toBe(700);
    const high = shouldRetry({ kind: 'http', status: 429, retryAfterMs: 60_000 }, 1, false, policy, () => 0);
    expect(high.retry && high.delayMs).toBe(1_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates and ignores junk', () => {
    expect(parseRetryAfter('3', 0)).toBe(3_000);
    expect(parseRetryAfter('0.5', 0)).toBe(500);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});
