import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleApiRequest } from '../../lambdas/api/app.ts';
import { routes } from '../../lambdas/api/routes.ts';
import { startAdmin } from '../support/admin.ts';

const SENTINEL_TOKEN = 'SENTINEL-IDRIVE-TOKEN-5b1d7e0c';

let admin: Awaited<ReturnType<typeof startAdmin>>;
beforeAll(async () => {
  admin = await startAdmin('2026-11-01', 8, SENTINEL_TOKEN);
});
afterAll(() => admin.stop());

const segment = fc.oneof(
  fc.constantFrom(
    'users',
    'regions',
    'access-keys',
    'cnames',
    'subusers',
    'invitations',
    'disable',
    'enable',
    'cors',
    'usage',
    'activity',
    'runs',
    'reports',
    'audit',
    'openapi.json',
  ),
  fc.constantFrom(
    'a%40b.example',
    'customer0001%2Bs11%40example.com',
    '%E0%A4%A',
    '..',
    '%00',
    'x'.repeat(300),
    'dn.example.com',
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const templated = fc.constantFrom(...routes.map((r) => r.path)).chain((path) =>
  fc.array(segment, { minLength: 8, maxLength: 8 }).map((values) => {
    let i = 0;
    return path.replace(/\{\w+\}/g, () => values[i++]!);
  }),
);
const path = fc.oneof(
  templated,
  fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`),
);
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const body = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 50 }),
  jsonValue.map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.constantFrom(
        'email',
        'password',
        'first_name',
        'quota_gb',
        'region',
        'cors',
        'name',
        'permissions',
        'confirm',
        'from',
        'to',
        'subuser_email',
        'idle_timeout',
        'x',
      ),
      jsonValue,
    )
    .map((o) => JSON.stringify(o)),
);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'get'),
  path,
  query: fc.dictionary(
    fc.constantFrom('from', 'to', 'page', 'live', 'month', 'confirm', 'junk'),
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('2026-10-01', '2026-10-31', '1', 'true', '2026-10'),
    ),
  ),
  contentType: fc.constantFrom(
    undefined,
    'application/json',
    'text/plain',
    'application/json; charset=utf-8',
    'multipart/form-data',
  ),
  body,
});

describe('fuzzing every HTTP entry point', () => {
  it('10,000 random requests: no 500, no stack trace, and invalid input never reaches IDrive', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const before = admin.env.sim.stats.requests;
        const response = await handleApiRequest(
          admin.ctx,
          { ...r, principal: 'fuzz', role: 'admin', requestId: 'fuzz-1' },
          admin.log,
        );
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status).not.toBe(500);
        expect(response.body).not.toMatch(/\bat .+:\d+:\d+|\.ts:\d+|node_modules/);
        const parsed = JSON.parse(response.body);
        if (response.status >= 400) {
          expect(parsed.error).toMatchObject({
            type: expect.any(String),
            code: expect.any(String),
            message: expect.any(String),
          });
          // Our own refusals come before any upstream call; only IDrive's own answers carry source=idrive.
          if (parsed.error.source !== 'idrive') expect(admin.env.sim.stats.requests).toBe(before);
        }
      }),
      { numRuns: 10_000 },
    );
    expect([...statuses.keys()].every((s) => s < 500 || s === 502)).toBe(true);
    expect(admin.logs).toEqual([]);
  });
});

describe('invalid dates, ranges and identifiers on every route', () => {
  const BAD_DAYS = [
    '2026-02-30',
    '2026-13-01',
    '2026-00-10',
    '2026-11-31',
    '9999-12-31',
    '1900-01-01',
    '2026-2-3',
    '20261001',
  ];
  const BAD_IDS: Record<string, string[]> = {
    email: [
      'a\u0000b@x.example',
      'a\u202Eb@x.example',
      '<script>@x.example',
      '"a"@x.example',
      'a/../b@x.example',
      'a b@x.example',
    ],
    subuserEmail: ['a\u0000b@x.example', '../x@x.example'],
    storageDn: ['dn\u0000.example.com', '../etc', 'a/b.example.com', 'x'.repeat(300)],
    accessKeyId: ['KEY\u0000ID0001', '../../etc', 'short'],
    cname: ['c\u0000.example.com', '../c.example.com'],
    runId: ['../x', '20261101T000000Z-zzzzzz'],
  };
  const GOOD: Record<string, string> = {
    email: 'a@b.example',
    subuserEmail: 's@b.example',
    storageDn: 'dn.example.com',
    accessKeyId: 'KEYID00001',
    cname: 'c.example.com',
    runId: '20261101T000000Z-aaaaaa',
  };
  const fill = (path: string, bad?: [string, string]) =>
    path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(bad && bad[0] === n ? bad[1] : GOOD[n]!));
  const ask = (method: string, path: string, query: Record<string, string>, body?: unknown) =>
    handleApiRequest(
      admin.ctx,
      {
        method,
        path,
        query,
        contentType: body === undefined ? undefined : 'application/json',
        body: body === undefined ? null : JSON.stringify(body),
        principal: 'sweep',
        role: 'admin',
        requestId: 'sweep-1',
      },
      admin.log,
    );
  const expectRefused = async (label: string, response: Awaited<ReturnType<typeof ask>>, field: RegExp) => {
    expect(response.status, `${label}: ${response.body}`).toBe(400);
    const error = JSON.parse(response.body).error;
    expect(error.message, label).toMatch(field);
  };

  it('answers 400 naming the field, sends nothing upstream and writes no audit record', async () => {
    const before = admin.env.sim.stats.requests;
    const auditBefore = (await admin.env.ledger.auditRecords('2026-11-01', '2026-11-01')).length;
    const runsBefore = (await admin.env.ledger.listRuns(1000)).length;
    let cases = 0;
    for (const route of routes) {
      for (const name of route.path.match(/\{(\w+)\}/g)?.map((m) => m.slice(1, -1)) ?? []) {
        for (const value of BAD_IDS[name] ?? []) {
          const body = route.confirm ? { confirm: value } : route.body ? {} : undefined;
          await expectRefused(
            `${route.id} ${name}=${JSON.stringify(value)}`,
            await ask(route.method, fill(route.path, [name, value]), {}, body),
            new RegExp(`path\\.${name}`),
          );
          cases++;
        }
      }
      const shape = route.query
        ? Object.keys((route.query as unknown as { shape: Record<string, unknown> }).shape ?? {})
        : [];
      if (shape.includes('from')) {
        for (const day of BAD_DAYS) {
          for (const field of ['from', 'to'] as const) {
            const query = { from: '2026-10-01', to: '2026-10-31', [field]: day };
            await expectRefused(
              `${route.id} ${field}=${day}`,
              await ask(route.method, fill(route.path), query),
              new RegExp(`query\\.${field}`),
            );
            cases++;
          }
        }
        await expectRefused(
          `${route.id} backwards`,
          await ask(route.method, fill(route.path), { from: '2026-10-31', to: '2026-10-01' }),
          /query\.from/,
        );
        await expectRefused(
          `${route.id} years`,
          await ask(route.method, fill(route.path), { from: '2020-01-01', to: '2026-10-31' }),
          /query\.to: the range is \d+ days/,
        );
        await expectRefused(
          `${route.id} junk`,
          await ask(route.method, fill(route.path), { from: '2026-10-01', to: '2026-10-01', junk: '1' }),
          /unknown query parameter: junk/,
        );
        cases += 3;
      }
      if (shape.includes('page'))
        for (const page of ['0x10', '0', '-1', '1e3', ' 1', '1.5']) {
          await expectRefused(
            `${route.id} page=${page}`,
            await ask(route.method, fill(route.path), { from: '2026-10-01', to: '2026-10-01', page }),
            /query\.page/,
          );
          cases++;
        }
    }
    // A backfill: calendar days, forwards, at most 400 days, complete days only, never before 2020.
    for (const [body, field] of [
      [{ from: '2026-02-31', to: '2026-03-01' }, /body\.from/],
      [{ from: '1900-01-01', to: '2026-10-30' }, /body\.from/],
      [{ from: '2016-01-01', to: '2026-10-30' }, /body\.from/],
      [{ from: '2021-01-01', to: '2026-10-30' }, /body\.to: the range is \d+ days; at most 400/],
      [{ from: '2026-10-10', to: '2026-10-01' }, /body\.from/],
      [{ from: '2026-10-10', to: '2026-11-05' }, /body\.to: .*yesterday/],
    ] as const) {
      await expectRefused(`runs.start ${JSON.stringify(body)}`, await ask('POST', '/runs', {}, body), field);
      cases++;
    }
    expect(cases).toBeGreaterThan(150);
    expect(admin.env.sim.stats.requests, 'nothing reached IDrive').toBe(before);
    const auditAfter = await admin.env.ledger.auditRecords('2026-11-01', '2026-11-01');
    expect(auditAfter.slice(auditBefore).map((a) => [a.action, a.status, a.code, a.target])).toEqual([]);
    expect((await admin.env.ledger.listRuns(1000)).length, 'no run recorded').toBe(runsBefore);
  });

  it('takes {} as no body, and gives GET /audit a default range of today and the 6 days before', async () => {
    const ok = await ask('POST', '/users/customer0001%2Bs11%40example.com/disable', {}, {});
    expect([200, 404, 409, 422]).toContain(ok.status);
    const audit = await ask('GET', '/audit', {});
    expect(audit.status).toBe(200);
    expect(JSON.parse(audit.body)).toMatchObject({ from: '2026-10-26', to: '2026-11-01' });
  });
});

describe('secrets', () => {
  it('the IDrive token and a created secret key appear in no log, error, audit record or stored run', async () => {
    const email = 'secrets@customer.example';
    const responses: string[] = [];
    const call = async (...args: Parameters<typeof admin.call>) => {
      const r = await admin.call(...args);
      responses.push(r.text);
      return r;
    };
    await call('POST', '/users', {
      body: { email, password: 'pw-sentinel-123', first_name: 'S', quota_gb: 0 },
    });
    const dn = (await call('POST', `/users/${encodeURIComponent(email)}/regions`, { body: { region: 'TX' } }))
      .json.storageDn;
    const created = await admin.call(
      'POST',
      `/users/${encodeURIComponent(email)}/regions/${encodeURIComponent(dn)}/access-keys`,
      { body: { name: 'k', permissions: 2 } },
    );
    const secret = created.json.secretKey as string;
    expect(secret.length).toBeGreaterThan(8);
    await call('GET', `/users/${encodeURIComponent(email)}/regions/${encodeURIComponent(dn)}/access-keys`);
    await call('POST', `/users/${encodeURIComponent('ghost@x.example')}/disable`);
    admin.env.sim.faults.error500Rate = 1;
    await call('GET', '/regions');
    admin.env.sim.faults.error500Rate = 0;
    await call('POST', '/runs', { body: { from: '2026-10-01', to: '2026-10-01' } });
    await admin.launcher.drain();
    const audit = await admin.env.ledger.auditRecords('2026-11-01', '2026-11-01');
    const runs = await admin.env.ledger.listRuns(10);
    const everything = [...responses, ...admin.logs, JSON.stringify(audit), JSON.stringify(runs)].join('\n');
    for (const secretValue of [SENTINEL_TOKEN, secret, 'pw-sentinel-123'])
      expect(everything).not.toContain(secretValue);
    expect(audit.find((a) => a.action === 'users.create')!.request).toMatchObject({
      body: { password: '[REDACTED]' },
    });
    // The nightly export copies the day's admin audit to S3.
    const { writeAdminAudit } = await import('../../lambdas/reports/daily-exports.ts');
    const exported = await writeAdminAudit(admin.env, '2026-11-01');
    expect(exported.rows).toBe(audit.length);
    const csv = await admin.env.text(exported.key);
    expect(csv).toContain('users.create');
    expect(csv).not.toContain('pw-sentinel-123');
  });
});
