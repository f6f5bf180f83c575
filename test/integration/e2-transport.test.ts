import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { E2Client } from '../../lambdas/e2/client.ts';
import { E2ConfigError, e2ConfigFromEnv } from '../../lambdas/e2/config.ts';
import { E2ApiError, E2ResponseError, E2TransportError } from '../../lambdas/e2/errors.ts';
import { startSim } from '../support/sim.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A one-route server whose answers the test scripts, for shapes the simulator does not produce. */
async function scriptedServer(
  answer: (n: number) => { status: number; body: string; headers?: Record<string, string> } | 'hang',
) {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    const reply = answer(++n);
    if (reply === 'hang') return;
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.body);
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  stops.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n };
}

describe('retries against injected faults', () => {
  it('reads succeed through 500s, 429s, hangs and truncated JSON, counting the retries', async () => {
    const env = await startSim(
      { faults: { error500Rate: 0.2, rate429: 0.05, hangRate: 0.02, malformedRate: 0.05 } },
      { timeoutMs: 150, retry: { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 2 } },
    );
    stops.push(env.stop);
    const users = await env.client.users.list();
    for (const user of users
      .filter((u) => u.is_signed_up && u.account_creation_timestamp! < '2026-11-01')
      .slice(0, 10)) {
      const rows = await env.client.users.usageStats(user.email, '2026-11-01', '2026-11-10');
      expect(rows.length).toBeGreaterThan(0);
    }
    expect(env.client.stats.retries).toBeGreaterThan(0);
    const f = env.sim.stats.faults;
    expect(f.error500 + f.rate429 + f.hang + f.malformed).toBe(env.client.stats.retries);
  });

  it('a creating call is not retried after a 500: the caller sees the error once', async () => {
    const env = await startSim({ faults: { error500Rate: 1 } });
    stops.push(env.stop);
    const error = await env.client.users
      .create({ email: 'new@x.example', password: 'dGVzdDEyMw==', first_name: 'N', quota: 0 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(E2ApiError);
    expect(env.sim.stats.requests).toBe(1);
  });

  it('a creating call is retried when the connection was refused (it never reached the server)', async () => {
    let attempts = 0;
    const client = new E2Client(
      { apiUrl: 'http://127.0.0.1:9', token: 'tok-12345678' },
      {
        sleep: async () => {},
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
        onRetry: () => attempts++,
      },
    );
    const error = await client.users
      .create({ email: 'n@x.example', password: 'dGVzdDEyMw==', first_name: 'N', quota: 0 })
      .catch((e) => e);
    await client.close();
    expect(error).toBeInstanceOf(E2TransportError);
    expect((error as E2TransportError).neverReachedServer).toBe(true);
    expect(attempts).toBe(2);
  });

  it('waits what Retry-After asks before retrying a 429', async () => {
    const server = await scriptedServer((n) =>
      n === 1 ? { status: 429, body: '{}', headers: { 'retry-after': '2' } } : { status: 200, body: '[]' },
    );
    const slept: number[] = [];
    const client = new E2Client(
      { apiUrl: server.url, token: 'tok-12345678' },
      { sleep: async (ms) => void slept.push(ms), random: () => 0 },
    );
    await client.storage.regions();
    await client.close();
    expect(slept).toEqual([2_000]);
  });

  it('never retries a 4xx', async () => {
    const server = await scriptedServer(() => ({
      status: 400,
      body: '{"error":{"type":"invalid_request_error","code":"invalid_parameters","message":"bad","errors":[{"field":"email"}]}}',
    }));
    const client = new E2Client({ apiUrl: server.url, token: 'tok-12345678' }, { sleep: async () => {} });
    const error = (await client.users.disable('a@b.example').catch((e) => e)) as E2ApiError;
    await client.close();
    expect(error.code).toBe('invalid_parameters');
    expect(error.errors).toEqual([{ field: 'email' }]);
    expect(server.count()).toBe(1);
  });
});

describe('responses that do not match the reference', () => {
  it('names the field that failed its schema', async () => {
    const server = await scriptedServer(() => ({
      status: 200,
      body: '[{"date":"2026-01-01","downloads":1,"uploads":"lots","disk_used":3}]',
    }));
    const client = new E2Client({ apiUrl: server.url, token: 'tok-12345678' }, { sleep: async () => {} });
    const error = (await client.users
      .usageStats('a@b.example', '2026-01-01', '2026-01-01')
      .catch((e) => e)) as E2ResponseError;
    await client.close();
    expect(error).toBeInstanceOf(E2ResponseError);
    expect(error.field).toBe('0.uploads');
    expect(error.message).toContain('0.uploads');
  });

  it('accepts a bare users array and numbers sent as strings, keeping bytes exact', async () => {
    const server = await scriptedServer(() => ({
      status: 200,
      body: '[{"email":"a@b.example","first_name":"A","last_name":null,"account_creation_timestamp":"2026-01-01","invite_url":null,"is_signed_up":1,"is_active":true,"storage_used":"1.234567890123456e15","storage_quota":"0"}]',
    }));
    const client = new E2Client({ apiUrl: server.url, token: 'tok-12345678' }, { sleep: async () => {} });
    const [user] = await client.users.list();
    await client.close();
    expect(user!.storage_used).toBe(1_234_567_890_123_456);
    expect(user!.is_signed_up).toBe(true);
  });

  it('refuses byte counts beyond 2^53 instead of rounding them silently', async () => {
    const server = await scriptedServer(() => ({
      status: 200,
      body: '[{"date":"2026-01-01","downloads":1e17,"uploads":0,"disk_used":0}]',
    }));
    const client = new E2Client({ apiUrl: server.url, token: 'tok-12345678' }, { sleep: async () => {} });
    const error = await client.users.usageStats('a@b.example', '2026-01-01', '2026-01-01').catch((e) => e);
    await client.close();
    expect(error).toBeInstanceOf(E2ResponseError);
  });
});

describe('the API token', () => {
  const SENTINEL = 'SENTINEL-TOKEN-7f3a9c2e';

  it('appears in no error, message, stack or inspected object on any failure path', async () => {
    // Servers that echo the token back in every way an upstream might.
    const echo = await scriptedServer((n) => {
      if (n % 4 === 1)
        return {
          status: 403,
          body: JSON.stringify({
            error: { type: SENTINEL, code: SENTINEL, message: `bad token ${SENTINEL}`, errors: [SENTINEL] },
          }),
        };
      if (n % 4 === 2) return { status: 500, body: `<html>${SENTINEL}</html>` };
      if (n % 4 === 3) return { status: 200, body: `{"broken": "${SENTINEL}` };
      return 'hang';
    });
    const errors: unknown[] = [];
    const client = new E2Client(
      { apiUrl: echo.url, token: SENTINEL },
      { sleep: async () => {}, timeoutMs: 100, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
    );
    for (let i = 0; i < 4; i++) errors.push(await client.users.disable('a@b.example').catch((e) => e));
    errors.push(
      await client.users
        .create({ email: 'bad', password: SENTINEL, first_name: 'x', quota: 0 })
        .catch((e) => e),
    );
    await client.close();
    const refused = new E2Client(
      { apiUrl: 'http://127.0.0.1:9', token: SENTINEL },
      { sleep: async () => {}, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
    );
    errors.push(await refused.users.list().catch((e) => e));
    await refused.close();
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    for (const error of errors) {
      const text = [
        inspect(error, { depth: 10 }),
        JSON.stringify(error),
        String((error as Error).stack),
      ].join('\n');
      expect(text).not.toContain(SENTINEL);
    }
  });

  it('is validated from the environment with messages that never echo it', () => {
    expect(() => e2ConfigFromEnv({})).toThrow(/E2_API_TOKEN environment variable is not set/);
    expect(() => e2ConfigFromEnv({ E2_API_TOKEN: 'has space inside' })).toThrow(E2ConfigError);
    const bad = (() => {
      try {
        e2ConfigFromEnv({ E2_API_TOKEN: 'secret value!' });
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(bad).not.toContain('secret value');
    expect(() => e2ConfigFromEnv({ E2_API_TOKEN: 'abcdefgh', E2_API_URL: 'ftp://x' })).toThrow(
      /E2_API_URL must use http or https/,
    );
    expect(() => e2ConfigFromEnv({ E2_API_TOKEN: 'abcdefgh', E2_API_URL: 'https://x.example/api' })).toThrow(
      /origin only/,
    );
    expect(e2ConfigFromEnv({ E2_API_TOKEN: 'abcdefgh' })).toEqual({
      apiUrl: 'https://api.idrivee2.com',
      token: 'abcdefgh',
    });
    expect(e2ConfigFromEnv({ E2_API_TOKEN: 'abcdefgh', E2_API_URL: 'http://127.0.0.1:8080/' }).apiUrl).toBe(
      'http://127.0.0.1:8080',
    );
  });
});
