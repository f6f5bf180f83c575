import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, roleAllows } from '../../lambdas/api/roles.ts';
import { routes } from '../../lambdas/api/routes.ts';
import { ADMIN_TOKEN, OPERATOR_TOKEN, startAdmin, VIEWER_TOKEN } from '../support/admin.ts';

const PEM_PUB = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----';
const SUB = {
  permissions: 2,
  is_admin: false,
  allow_session_timeout_settings: false,
  idle_timeout: 600,
  concurrent_sessions: true,
  allow_concurrent_session_settings: false,
};

let admin: Awaited<ReturnType<typeof startAdmin>>;
beforeAll(async () => {
  admin = await startAdmin();
});
afterAll(() => admin.stop());

const enc = encodeURIComponent;
const errorOf = (r: { json: { error: { code: string } } }) => r.json.error.code;

describe('the user lifecycle, as the README walks through it', () => {
  it('create, enable a region, issue a key, disable, remove - each step audited', async () => {
    const email = 'walkthrough@customer.example';
    const created = await admin.call('POST', '/users', {
      body: { email, password: 'correct horse', first_name: 'Walk', quota_gb: 1024 },
    });
    expect(created.status).toBe(201);
    const region = await admin.call('POST', `/users/${enc(email)}/regions`, { body: { region: 'TX' } });
    expect(region.status).toBe(201);
    const dn = region.json.storageDn as string;
    const key = await admin.call('POST', `/users/${enc(email)}/regions/${enc(dn)}/access-keys`, {
      body: { name: 'backup', permissions: 2 },
    });
    expect(key.status).toBe(201);
    expect(key.json.secretKey).toBeTruthy();
    expect((await admin.call('POST', `/users/${enc(email)}/disable`)).status).toBe(200);
    expect((await admin.call('DELETE', `/users/${enc(email)}`, { body: { confirm: email } })).status).toBe(
      200,
    );
    expect(
      (await admin.call('GET', '/users')).json.users.some((u: { email: string }) => u.email === email),
    ).toBe(false);

    const audit = await admin.call('GET', '/audit?from=2020-01-01&to=2020-01-01');
    expect(audit.status).toBe(200);
    const today = '2026-11-01'; // the test clock's day
    const records = (await admin.call('GET', `/audit?from=${today}&to=${today}`)).json.records as {
      action: string;
      outcome: string;
      principal: string;
      target: string;
      request: unknown;
    }[];
    const mine = records.filter((r) => r.target.startsWith(email));
    expect(mine.filter((r) => r.outcome === 'succeeded').map((r) => r.action)).toEqual([
      'users.create',
      'userRegions.enable',
      'accessKeys.create',
      'users.disable',
      'users.remove',
    ]);
    expect(mine.every((r) => r.principal === 'local:alice')).toBe(true);
    expect(JSON.stringify(mine)).not.toContain('correct horse');
    expect(JSON.stringify(mine)).not.toContain(key.json.secretKey);
  });
});

describe('IDrive errors map to clear statuses, code and message passing through', () => {
  it('404 for accounts, storages and keys that do not exist', async () => {
    const r = await admin.call('POST', `/users/${enc('ghost@nowhere.example')}/disable`);
    expect([r.status, errorOf(r), r.json.error.source]).toEqual([404, 'account_non_existant', 'idrive']);
    expect(r.json.error.message).toBe('Account with this email does not exist');
    const email = (await admin.call('GET', '/users')).json.users.find(
      (u: { is_signed_up: boolean; is_active: boolean }) => u.is_signed_up && u.is_active,
    ).email;
    const storage = await admin.call(
      'GET',
      `/users/${enc(email)}/regions/${enc('nope.example.com')}/access-keys`,
    );
    expect([storage.status, errorOf(storage)]).toEqual([404, 'storage_non_existant']);
    const [first] = (await admin.call('GET', `/users/${enc(email)}/regions`)).json.regions;
    const key = await admin.call(
      'DELETE',
      `/users/${enc(email)}/regions/${enc(first.storage_dn)}/access-keys/NOPE0000KEY`,
      { body: { confirm: 'NOPE0000KEY' } },
    );
    expect([key.status, errorOf(key)]).toEqual([404, 'access_key_non_existant']);
    const cname = await admin.call(
      'DELETE',
      `/users/${enc(email)}/regions/${enc(first.storage_dn)}/cnames/x.customer.example`,
      { body: { confirm: 'x.customer.example' } },
    );
    expect(cname.status).toBe(404);
  });

  it('409 for already-enabled, already-disabled, already-existing and region_already_enabled', async () => {
    const email = 'conflicts@customer.example';
    await admin.call('POST', '/users', {
      body: { email, password: 'secret-pass', first_name: 'C', quota_gb: 0 },
    });
    expect(
      errorOf(
        await admin.call('POST', '/users', {
          body: { email, password: 'secret-pass', first_name: 'C', quota_gb: 0 },
        }),
      ),
    ).toBe('user_signed_up');
    const enable = await admin.call('POST', `/users/${enc(email)}/enable`);
    expect([enable.status, errorOf(enable)]).toEqual([409, 'user_account_already_enabled']);
    await admin.call('POST', `/users/${enc(email)}/regions`, { body: { region: 'NY' } });
    const again = await admin.call('POST', `/users/${enc(email)}/regions`, { body: { region: 'NY' } });
    expect([again.status, errorOf(again)]).toEqual([409, 'region_already_enabled']);
    await admin.call('POST', `/users/${enc(email)}/disable`);
    const twice = await admin.call('POST', `/users/${enc(email)}/disable`);
    expect([twice.status, errorOf(twice)]).toEqual([409, 'user_account_already_disabled']);
  });

  it('422 for preconditions: user_disabled, user_account_not_disabled, storage_not_empty, maximum_limit_reached', async () => {
    const email = 'preconditions@customer.example';
    await admin.call('POST', '/users', {
      body: { email, password: 'secret-pass', first_name: 'P', quota_gb: 0 },
    });
    const remove = await admin.call('DELETE', `/users/${enc(email)}`, { body: { confirm: email } });
    expect([remove.status, errorOf(remove)]).toEqual([422, 'user_account_not_disabled']);
    for (let i = 0; i < 10; i++)
      await admin.call('POST', `/users/${enc(email)}/subusers/invitations`, {
        body: { subuser_email: `s${i}@team.example`, ...SUB },
      });
    const limit = await admin.call('POST', `/users/${enc(email)}/subusers/invitations`, {
      body: { subuser_email: 's10@team.example', ...SUB },
    });
    expect([limit.status, errorOf(limit)]).toEqual([422, 'maximum_limit_reached']);
    await admin.call('POST', `/users/${enc(email)}/disable`);
    const disabled = await admin.call('POST', `/users/${enc(email)}/regions`, { body: { region: 'TX' } });
    expect([disabled.status, errorOf(disabled)]).toEqual([422, 'user_disabled']);
    const seeded = (await admin.call('GET', '/users')).json.users.find(
      (u: { is_signed_up: boolean; is_active: boolean; email: string }) =>
        u.is_signed_up && u.is_active && !u.email.includes('customer.example'),
    );
    const [dn] = (await admin.call('GET', `/users/${enc(seeded.email)}/regions`)).json.regions;
    const notEmpty = await admin.call('DELETE', `/users/${enc(seeded.email)}/regions/${enc(dn.storage_dn)}`, {
      body: { confirm: dn.storage_dn },
    });
    expect([notEmpty.status, errorOf(notEmpty)]).toEqual([422, 'storage_not_empty']);
  });

  it('502 when IDrive keeps failing after retries, with the IDrive code', async () => {
    admin.env.sim.faults.error500Rate = 1;
    try {
      const r = await admin.call('GET', '/regions');
      expect([r.status, errorOf(r), r.json.error.source]).toEqual([
        502,
        'request_processing_failed',
        'idrive',
      ]);
    } finally {
      admin.env.sim.faults.error500Rate = 0;
    }
  });
});

describe('every route works against the simulator', () => {
  it('regions, CORS, access keys, CNAMEs', async () => {
    const email = 'routes@customer.example';
    await admin.call('POST', '/users', {
      body: { email, password: 'secret-pass', first_name: 'R', quota_gb: 0 },
    });
    expect((await admin.call('GET', '/regions')).json.regions.length).toBeGreaterThan(0);
    const dn = (await admin.call('POST', `/users/${enc(email)}/regions`, { body: { region: 'LDN' } })).json
      .storageDn;
    const base = `/users/${enc(email)}/regions/${enc(dn)}`;
    expect((await admin.call('PUT', `${base}/cors`, { body: { cors: ['app.example.com'] } })).json).toEqual({
      cors: 'app.example.com',
    });
    const tooMany = await admin.call('PUT', `${base}/cors`, {
      body: { cors: Array.from({ length: 11 }, (_, i) => `d${i}.example.com`) },
    });
    expect(tooMany.status).toBe(400);
    const key = (
      await admin.call('POST', `${base}/access-keys`, {
        body: { name: 'ro', permissions: 0, buckets: ['backups'] },
      })
    ).json;
    expect(
      (await admin.call('GET', `${base}/access-keys`)).json.accessKeys.map(
        (k: { key_id: string }) => k.key_id,
      ),
    ).toEqual([key.accessKeyId]);
    const noConfirm = await admin.call('DELETE', `${base}/access-keys/${key.accessKeyId}`);
    expect([noConfirm.status, errorOf(noConfirm)]).toEqual([400, 'confirmation_required']);
    expect(
      (await admin.call('DELETE', `${base}/access-keys/${key.accessKeyId}?confirm=${key.accessKeyId}`))
        .status,
    ).toBe(200);
    const cert = { public_key: PEM_PUB, private_key: PEM_KEY };
    expect(
      (await admin.call('POST', `${base}/cnames`, { body: { cname: 'files.routes.example', ...cert } }))
        .status,
    ).toBe(201);
    expect(
      (await admin.call('PUT', `${base}/cnames`, { body: { cname: 'cdn.routes.example', ...cert } })).status,
    ).toBe(200);
    expect(
      (await admin.call('GET', `${base}/cnames`)).json.cnames.map((c: { cname: string }) => c.cname),
    ).toEqual(['cdn.routes.example']);
    expect(
      (
        await admin.call('DELETE', `${base}/cnames/cdn.routes.example`, {
          body: { confirm: 'cdn.routes.example' },
        })
      ).status,
    ).toBe(200);
    expect((await admin.call('DELETE', base, { body: { confirm: dn } })).status).toBe(200);
  });

  it('subusers: create, invite, list, update, disable, enable, activity, remove, cancel', async () => {
    const email = 'team-admin@customer.example';
    await admin.call('POST', '/users', {
      body: { email, password: 'secret-pass', first_name: 'T', quota_gb: 0 },
    });
    const base = `/users/${enc(email)}/subusers`;
    expect(
      (
        await admin.call('POST', base, {
          body: { subuser_email: 'dev@team.example', first_name: 'Dev', password: 'dev-password', ...SUB },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await admin.call('POST', `${base}/invitations`, {
          body: { subuser_email: 'new@team.example', ...SUB },
        })
      ).json.invite_url,
    ).toMatch(/^https:/);
    expect((await admin.call('GET', base)).json.subusers).toHaveLength(2);
    expect(
      (await admin.call('PATCH', `${base}/${enc('dev@team.example')}`, { body: { idle_timeout: 3600 } }))
        .status,
    ).toBe(200);
    expect((await admin.call('POST', `${base}/${enc('dev@team.example')}/disable`)).status).toBe(200);
    expect(
      (
        await admin.call('POST', `${base}/${enc('dev@team.example')}/enable`, {
          body: { email_notification: false },
        })
      ).status,
    ).toBe(200);
    expect(
      (await admin.call('GET', `${base}/${enc('dev@team.example')}/activity?from=2026-10-01&to=2026-10-02`))
        .status,
    ).toBe(200);
    await admin.call('POST', `${base}/${enc('dev@team.example')}/disable`);
    expect(
      (
        await admin.call('DELETE', `${base}/${enc('dev@team.example')}`, {
          body: { confirm: 'dev@team.example' },
        })
      ).status,
    ).toBe(200);
    expect((await admin.call('DELETE', `${base}/invitations/${enc('new@team.example')}`)).status).toBe(200);
    expect((await admin.call('GET', base)).json.subusers).toEqual([]);
  });

  it('usage from snapshots (and live), activity, backfill runs and report links', async () => {
    const user = (await admin.call('GET', '/users')).json.users.find(
      (u: { is_signed_up: boolean; email: string; account_creation_timestamp: string }) =>
        u.is_signed_up && u.account_creation_timestamp < '2026-10-01',
    );
    const started = await admin.call('POST', '/runs', { body: { from: '2026-10-01', to: '2026-10-03' } });
    expect(started.status).toBe(202);
    await admin.launcher.drain();
    const run = await admin.call('GET', `/runs/${started.json.runId}`);
    expect(run.json.run).toMatchObject({ status: 'succeeded', from: '2026-10-01', to: '2026-10-03' });
    const usage = await admin.call('GET', `/users/${enc(user.email)}/usage?from=2026-10-01&to=2026-10-05`);
    expect(usage.json.days).toHaveLength(3);
    expect(usage.json.missingDays).toEqual(['2026-10-04', '2026-10-05']);
    const live = await admin.call(
      'GET',
      `/users/${enc(user.email)}/usage?from=2026-10-01&to=2026-10-05&live=true`,
    );
    expect(live.json).toMatchObject({ source: 'idrive' });
    expect(live.json.days).toHaveLength(5);
    const activity = await admin.call(
      'GET',
      `/users/${enc(user.email)}/activity?from=2026-10-01&to=2026-10-31&page=1`,
    );
    expect(activity.json.pagination.page_no).toBe(1);
    const reports = await admin.call('GET', '/reports?month=2026-10');
    expect(reports.json.reports.length).toBeGreaterThan(0);
    const link = reports.json.reports.find((r: { key: string }) => r.key.endsWith('.csv'));
    const download = await fetch(link.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toContain('date,');
    expect((await admin.call('GET', '/runs/20990101T000000Z-abcdef')).status).toBe(404);
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const doc = (await admin.call('GET', '/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.values(
      doc.paths as Record<string, Record<string, { operationId: string }>>,
    ).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(operations.sort()).toEqual(routes.map((r) => r.id).sort());
    expect(
      doc.paths['/users'].post.requestBody.content['application/json'].schema.properties.email.maxLength,
    ).toBe(254);
  });
});

describe('authentication', () => {
  const sample: Record<string, string> = {
    email: 'a%40b.example',
    storageDn: 'dn.example.com',
    accessKeyId: 'KEYID00001',
    cname: 'c.example.com',
    subuserEmail: 's%40b.example',
    runId: '20260101T000000Z-abcdef',
  };
  const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => sample[name]!);

  it('every route answers 401 without a token and with a wrong one, with no hint which', async () => {
    const before = admin.env.sim.stats.requests;
    for (const route of routes) {
      const none = await admin.call(route.method, concrete(route.path), { token: null });
      const wrong = await admin.call(route.method, concrete(route.path), {
        token: 'wrong-token-0123456789abcdef',
      });
      expect([none.status, wrong.status]).toEqual([401, 401]);
      const { requestId: a, ...noneError } = none.json.error;
      const { requestId: b, ...wrongError } = wrong.json.error;
      expect(noneError).toEqual(wrongError);
      expect([a, b]).toEqual([none.headers.get('x-request-id'), wrong.headers.get('x-request-id')]);
    }
    expect(admin.env.sim.stats.requests).toBe(before);
  });

  it('every route has a role, and each role is refused (403, audited, nothing sent) above it', async () => {
    const tokens = { viewer: VIEWER_TOKEN, operator: OPERATOR_TOKEN, admin: ADMIN_TOKEN } as const;
    expect(routes.length).toBeGreaterThan(25);
    const refusedBefore = (await admin.ctx.ledger.auditRecords('2026-11-01', '2026-11-01')).filter(
      (r) => r.status === 403,
    ).length;
    let refusals = 0;
    const reachedIdrive = new Set<string>();
    for (const route of routes) {
      expect(ROLES, route.id).toContain(route.role);
      const allowedAnswers = new Set<string>();
      for (const role of ROLES) {
        const before = admin.env.sim.stats.requests;
        const r = await admin.call(route.method, concrete(route.path), { token: tokens[role] });
        if (roleAllows(role, route.role)) {
          // Past authentication and authorisation: the route's own answer, the same for every role allowed.
          expect(r.status, `${role} ${route.id}`).toBeLessThan(500);
          expect(['unauthorized', 'forbidden'], `${role} ${route.id}`).not.toContain(r.json?.error?.code);
          allowedAnswers.add(`${r.status} ${r.json?.error?.code ?? 'ok'}`);
          if (admin.env.sim.stats.requests > before) reachedIdrive.add(route.id);
        } else {
          refusals++;
          expect(r.status, `${role} ${route.id}`).toBe(403);
          expect(r.json.error.code).toBe('forbidden');
          expect(r.json.error.message).toContain(`needs ${route.role}`);
          expect(admin.env.sim.stats.requests, `${role} ${route.id} reached IDrive`).toBe(before);
        }
      }
      expect([...allowedAnswers], `${route.id} answers alike for every allowed role`).toHaveLength(1);
    }
    // Allowed calls really ran: each route that needs nothing beyond its path took the sample
    // identifiers to IDrive; the others stopped at their own validation (a 400, nothing sent).
    expect([...reachedIdrive].sort()).toEqual([
      'accessKeys.list',
      'cnames.list',
      'regions.list',
      'subusers.cancelInvite',
      'subusers.disable',
      'subusers.enable',
      'subusers.list',
      'subusers.update',
      'userRegions.list',
      'users.disable',
      'users.enable',
      'users.list',
    ]);
    // Removals and access keys are admin-only (cancelling a pending invitation removes no data);
    // lifecycle changes need operator; reads are viewer's.
    expect(
      routes.filter((r) => r.method === 'DELETE' && r.id !== 'subusers.cancelInvite').map((r) => r.role),
    ).toEqual(['admin', 'admin', 'admin', 'admin', 'admin']);
    expect(routes.find((r) => r.id === 'accessKeys.create')?.role).toBe('admin');
    expect(routes.find((r) => r.id === 'audit.list')?.role).toBe('admin');
    expect(routes.find((r) => r.id === 'users.disable')?.role).toBe('operator');
    expect(routes.find((r) => r.id === 'users.list')?.role).toBe('viewer');
    const refusedAfter = (await admin.ctx.ledger.auditRecords('2026-11-01', '2026-11-01')).filter(
      (r) => r.status === 403,
    ).length;
    expect(refusedAfter - refusedBefore).toBe(refusals);
  });
});

describe('bad input', () => {
  it('is answered 400/404/405/413/415 with a JSON error, never reaching IDrive', async () => {
    const before = admin.env.sim.stats.requests;
    const cases: [string, string, Parameters<typeof admin.call>[2], number][] = [
      ['POST', '/users', { raw: '{not json' }, 400],
      ['POST', '/users', { body: [1, 2] }, 400],
      ['POST', '/users', { body: { email: 'x' } }, 400],
      ['POST', '/users', { raw: '{}', contentType: 'text/plain' }, 415],
      ['POST', '/users', { raw: JSON.stringify({ pad: 'x'.repeat(70_000) }) }, 413],
      ['GET', '/nope', {}, 404],
      ['PATCH', '/users', {}, 405],
      ['GET', `/users/${enc('not-an-email')}/regions`, {}, 400],
      ['GET', `/users/${enc('a@b.example')}/usage?from=2026-02-01&to=2026-01-01`, {}, 400],
      ['GET', `/users/${enc('a@b.example')}/usage?from=yesterday&to=2026-01-01`, {}, 400],
      ['POST', `/users/${enc('a@b.example')}/disable`, { body: { unexpected: true } }, 400],
      ['GET', '/users/%E0%A4%A/regions', {}, 400],
      ['POST', '/runs', { body: { from: '2026-01-01', to: '2099-01-01' } }, 400],
      ['GET', '/reports?month=2026-13', {}, 400],
    ];
    for (const [method, path, options, status] of cases) {
      const r = await admin.call(method, path, options);
      expect({ path, status: r.status }).toEqual({ path, status });
      expect(r.json.error).toMatchObject({
        type: expect.any(String),
        code: expect.any(String),
        message: expect.any(String),
      });
      expect(r.text).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(admin.env.sim.stats.requests).toBe(before);
  });
});
