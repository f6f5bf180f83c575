import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { E2Client } from '../../lambdas/e2/client.ts';
import { E2ApiError, E2RequestValidationError, isE2Code } from '../../lambdas/e2/errors.ts';
import { startSim } from '../support/sim.ts';

// Contract tests: every client operation against the simulator, for success and for each error case
// the reference documents. The simulator validates independently of the client's schemas.

const PEM_PUB = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----';
const MISSING = 'nobody@nowhere.example';

let env: Awaited<ReturnType<typeof startSim>>;
let client: E2Client;

beforeAll(async () => {
  env = await startSim();
  client = env.client;
});
afterAll(() => env.stop());

async function expectCode(promise: Promise<unknown>, code: string, status = 403) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(E2ApiError);
  expect((error as E2ApiError).code).toBe(code);
  expect((error as E2ApiError).status).toBe(status);
  return error as E2ApiError;
}

async function newUser(tag: string) {
  const email = `${tag}-${Math.random().toString(36).slice(2, 8)}@reseller.example`;
  await client.users.create({ email, password: 'dGVzdDEyMw==', first_name: 'Test', quota: 0 });
  return email;
}

async function newStorage(tag: string) {
  const email = await newUser(tag);
  const { storageDn } = await client.storage.enableUserRegion(email, 'TX');
  return { email, dn: storageDn };
}

describe('users', () => {
  it('list returns every account with bytes as integers and quota in GB', async () => {
    const users = await client.users.list();
    expect(users).toHaveLength(30);
    for (const user of users) {
      expect(Number.isSafeInteger(user.storage_used)).toBe(true);
      expect(typeof user.is_signed_up).toBe('boolean');
    }
    expect(users.some((u) => !u.is_signed_up && u.invite_url)).toBe(true);
    expect(users.some((u) => !u.is_active)).toBe(true);
  });

  it('create answers user_created, then user_signed_up for the same email, email_already_in_use for a foreign one', async () => {
    const email = await newUser('create');
    await expectCode(
      client.users.create({ email, password: 'dGVzdDEyMw==', first_name: 'Again', quota: 5 }),
      'user_signed_up',
    );
    await expectCode(
      client.users.create({
        email: 'independent@elsewhere.example',
        password: 'dGVzdDEyMw==',
        first_name: 'X',
        quota: 0,
      }),
      'email_already_in_use',
    );
  });

  it('disable, enable and remove follow the documented preconditions', async () => {
    const email = await newUser('life');
    await expectCode(client.users.remove(email), 'user_account_not_disabled');
    await expectCode(client.users.enable(email), 'user_account_already_enabled');
    expect(await client.users.disable(email)).toMatchObject({ user_disabled: true });
    await expectCode(client.users.disable(email), 'user_account_already_disabled');
    expect(await client.users.enable(email)).toMatchObject({ user_enabled: true });
    await client.users.disable(email);
    expect(await client.users.remove(email)).toMatchObject({ user_removed: true });
    await expectCode(client.users.disable(MISSING), 'account_non_existant');
    await expectCode(client.users.enable(MISSING), 'account_non_existant');
    await expectCode(client.users.remove(MISSING), 'account_non_existant');
  });

  it('usageStats turns doubles into exact integer bytes, one row per day with data', async () => {
    const users = await client.users.list();
    const petabyte = users[1]!;
    const rows = await client.users.usageStats(petabyte.email, '2026-11-01', '2026-11-14');
    expect(rows.map((r) => r.date)).toEqual(
      Array.from({ length: 14 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`),
    );
    for (const row of rows) {
      for (const value of [row.disk_used, row.uploads, row.downloads])
        expect(Number.isSafeInteger(value)).toBe(true);
    }
    expect(rows.at(-1)!.disk_used).toBeGreaterThan(1e15);
    await expectCode(client.users.usageStats(MISSING, '2026-11-01', '2026-11-02'), 'account_non_existant');
  });

  it('activity pages hold 200 records and add up to total_records', async () => {
    const users = await client.users.list();
    const heavy = users[5]!; // every 13th account from index 5 is a heavy one in the dataset
    let total = -1;
    let seen = 0;
    for await (const page of client.users.activityHistory(heavy.email, '2026-10-01', '2026-10-31')) {
      total = page.totalRecords;
      seen += page.records.length;
      expect(page.records.length).toBeLessThanOrEqual(200);
    }
    expect(seen).toBe(total);
    expect(total).toBeGreaterThan(400);
    await expectCode(
      client.users.activityPage(MISSING, '2026-10-01', '2026-10-02', 1),
      'account_non_existant',
    );
  });
});

describe('storage', () => {
  it('regions lists active and inactive regions', async () => {
    const regions = await client.storage.regions();
    expect(regions.find((r) => r.region_key === 'TX')?.active).toBe(true);
    expect(regions.some((r) => !r.active)).toBe(true);
  });

  it('enableUserRegion returns a storage DN; twice is region_already_enabled; disabled users are refused', async () => {
    const { email, dn } = await newStorage('region');
    expect(dn).toMatch(/\.tx21\./);
    await expectCode(client.storage.enableUserRegion(email, 'TX'), 'region_already_enabled');
    await expectCode(client.storage.enableUserRegion(MISSING, 'TX'), 'account_non_existant');
    await client.users.disable(email);
    await expectCode(client.storage.enableUserRegion(email, 'NY'), 'user_disabled');
  });

  it('listUserRegions returns the storage DNs', async () => {
    const { email, dn } = await newStorage('listregions');
    const regions = await client.storage.listUserRegions(email);
    expect(regions.map((r) => r.storage_dn)).toEqual([dn]);
    await expectCode(client.storage.listUserRegions(MISSING), 'account_non_existant');
    await client.users.disable(email);
    await expectCode(client.storage.listUserRegions(email), 'user_disabled');
  });

  it('removeUserRegion removes an empty storage and refuses a non-empty one while the user is enabled', async () => {
    const { email, dn } = await newStorage('rmregion');
    await expectCode(client.storage.removeUserRegion(email, 'nope.example.com'), 'storage_non_existant');
    expect(await client.storage.removeUserRegion(email, dn)).toMatchObject({ removed: true });
    const seeded = (await client.users.list()).find((u) => u.is_signed_up && u.is_active)!;
    const [first] = await client.storage.listUserRegions(seeded.email);
    await expectCode(client.storage.removeUserRegion(seeded.email, first!.storage_dn!), 'storage_not_empty');
    await expectCode(client.storage.removeUserRegion(MISSING, dn), 'account_non_existant');
  });

  it('setCors sends up to 10 domains as one comma list; invalid policies are refused', async () => {
    const { email, dn } = await newStorage('cors');
    expect(
      await client.storage.setCors(email, dn, ['app.example.com', 'https://www.example.com']),
    ).toMatchObject({ cors_updated: true });
    expect(await client.storage.setCors(email, dn, '*')).toMatchObject({ cors_updated: true });
    await expectCode(client.storage.setCors(email, 'nope.example.com', '*'), 'storage_non_existant');
    await expectCode(client.storage.setCors(MISSING, dn, '*'), 'account_non_existant');
    await expect(
      client.storage.setCors(
        email,
        dn,
        Array.from({ length: 11 }, (_, i) => `d${i}.example.com`),
      ),
    ).rejects.toBeInstanceOf(E2RequestValidationError);
  });
});

describe('access keys', () => {
  it('create returns the key id and secret; list shows it without the secret; remove deletes it', async () => {
    const { email, dn } = await newStorage('keys');
    const key = await client.accessKeys.create({
      email,
      storage_dn: dn,
      name: 'backup',
      permissions: 2,
      buckets: ['backups'],
    });
    expect(key.accessKeyId).toBeTruthy();
    expect(key.secretKey).toBeTruthy();
    const keys = await client.accessKeys.list(email, dn);
    expect(keys.map((k) => k.key_id)).toEqual([key.accessKeyId]);
    expect(JSON.stringify(keys)).not.toContain(key.secretKey);
    expect(await client.accessKeys.remove(email, dn, key.accessKeyId)).toMatchObject({ removed: true });
    await expectCode(client.accessKeys.remove(email, dn, key.accessKeyId), 'access_key_non_existant');
  });

  it('answers account_non_existant, storage_non_existant and user_disabled', async () => {
    const { email, dn } = await newStorage('keyerr');
    await expectCode(
      client.accessKeys.create({ email: MISSING, storage_dn: dn, name: 'k', permissions: 0 }),
      'account_non_existant',
    );
    await expectCode(
      client.accessKeys.create({ email, storage_dn: 'x.example.com', name: 'k', permissions: 0 }),
      'storage_non_existant',
    );
    await expectCode(client.accessKeys.list(email, 'x.example.com'), 'storage_non_existant');
    await expectCode(client.accessKeys.remove(MISSING, dn, 'AKNOTHERE01'), 'account_non_existant');
    await client.users.disable(email);
    await expectCode(
      client.accessKeys.create({ email, storage_dn: dn, name: 'k', permissions: 0 }),
      'user_disabled',
    );
    await expectCode(client.accessKeys.list(email, dn), 'user_disabled');
    await expectCode(client.accessKeys.remove(email, dn, 'AKNOTHERE01'), 'user_disabled');
  });
});

describe('CNAMEs', () => {
  it('add, list, update and remove a CNAME', async () => {
    const { email, dn } = await newStorage('cname');
    const cert = { email, storage_dn: dn, public_key: PEM_PUB, private_key: PEM_KEY };
    expect(await client.cnames.add({ ...cert, cname: 'files.customer.example' })).toMatchObject({
      cname_added: true,
    });
    expect((await client.cnames.list(email, dn)).map((c) => c.cname)).toEqual(['files.customer.example']);
    expect(await client.cnames.update({ ...cert, cname: 'cdn.customer.example' })).toMatchObject({
      cname_updated: true,
    });
    expect((await client.cnames.list(email, dn)).map((c) => c.cname)).toEqual(['cdn.customer.example']);
    expect(await client.cnames.remove(email, dn, 'cdn.customer.example')).toMatchObject({
      cname_removed: true,
    });
    expect(await client.cnames.list(email, dn)).toEqual([]);
  });

  it('answers the documented request_processing_failed messages', async () => {
    const { email, dn } = await newStorage('cnameerr');
    const cert = { email, storage_dn: dn, public_key: PEM_PUB, private_key: PEM_KEY };
    const idrive = await expectCode(
      client.cnames.add({ ...cert, cname: 'x.idrivee2.com' }),
      'request_processing_failed',
    );
    expect(idrive.apiMessage).toMatch(/cannot be used/);
    const badDn = await expectCode(
      client.cnames.add({ ...cert, storage_dn: 'x.example.com', cname: 'a.customer.example' }),
      'request_processing_failed',
    );
    expect(badDn.apiMessage).toMatch(/Unable to retrieve storage info/);
    const badCert = await expectCode(
      client.cnames.add({ ...cert, public_key: 'nope', cname: 'b.customer.example' }),
      'request_processing_failed',
    );
    expect(badCert.apiMessage).toMatch(/Could not verify/);
    await client.cnames.add({ ...cert, cname: 'c.customer.example' });
    const dup = await expectCode(
      client.cnames.add({ ...cert, cname: 'c.customer.example' }),
      'request_processing_failed',
    );
    expect(dup.apiMessage).toMatch(/already configure/);
    const gone = await expectCode(
      client.cnames.remove(email, dn, 'zz.customer.example'),
      'request_processing_failed',
    );
    expect(gone.apiMessage).toMatch(/cannot get cname details/);
    await expectCode(client.cnames.list(email, 'x.example.com'), 'request_processing_failed', 500);
    await expectCode(client.cnames.list(MISSING, dn), 'account_non_existant');
    await client.users.disable(email);
    await expectCode(client.cnames.list(email, dn), 'user_disabled');
    await expectCode(client.cnames.update({ ...cert, cname: 'd.customer.example' }), 'user_disabled');
    await expectCode(client.cnames.remove(email, dn, 'c.customer.example'), 'user_disabled');
  });
});

describe('subusers', () => {
  const settings = {
    permissions: 2 as const,
    is_admin: false,
    allow_session_timeout_settings: false,
    idle_timeout: 300,
    concurrent_sessions: true,
    allow_concurrent_session_settings: false,
  };

  it('invite, list, cancel the invite', async () => {
    const admin = await newUser('admin');
    const invited = await client.subusers.invite({
      admin_email: admin,
      subuser_email: 'inv@team.example',
      ...settings,
    });
    expect(invited.invite_url).toMatch(/^https:/);
    const list = await client.subusers.list(admin);
    expect(list.map((s) => [s.email, s.signed_up])).toEqual([['inv@team.example', false]]);
    expect(await client.subusers.cancelInvite(admin, 'inv@team.example')).toMatchObject({ success: true });
    expect(await client.subusers.list(admin)).toEqual([]);
  });

  it('create, update, disable, enable, remove a subuser and read its activity', async () => {
    const { email: admin, dn } = await newStorage('admin2');
    const sub = 'member@team.example';
    await client.subusers.createAccount({
      admin_email: admin,
      subuser_email: sub,
      first_name: 'M',
      password: 'dGVzdDEyMw==',
      ...settings,
    });
    await expectCode(client.subusers.cancelInvite(admin, sub), 'user_already_signedup');
    await expectCode(
      client.subusers.createAccount({
        admin_email: admin,
        subuser_email: sub,
        first_name: 'M',
        password: 'dGVzdDEyMw==',
        ...settings,
      }),
      'user_already_signedup',
    );
    expect(
      await client.subusers.update({
        admin_email: admin,
        subuser_email: sub,
        idle_timeout: 3600,
        storage_access: [{ storage_dn: dn, buckets: ['media-bucket'] }],
      }),
    ).toMatchObject({ success: true });
    expect((await client.subusers.list(admin))[0]!.idle_timeout).toBe(3600);
    await expectCode(client.subusers.remove(admin, { subuserEmail: sub }), 'user_account_not_disabled');
    await expectCode(client.subusers.enable(admin, { subuserEmail: sub }), 'user_account_already_enabled');
    await client.subusers.disable(admin, { subuserEmail: sub, emailNotification: false });
    await expectCode(client.subusers.disable(admin, { subuserEmail: sub }), 'user_account_already_disabled');
    await client.subusers.enable(admin, { subuserEmail: sub });
    let pages = 0;
    for await (const _ of client.subusers.activityHistory(admin, sub, '2026-11-01', '2026-11-14')) pages++;
    expect(pages).toBeGreaterThanOrEqual(1);
    await client.subusers.disable(admin, { subuserEmail: sub });
    expect(await client.subusers.remove(admin, { subuserEmail: sub })).toMatchObject({ success: true });
    await expectCode(client.subusers.remove(admin, { subuserEmail: sub }), 'account_non_existant');
  });

  it('answers user_not_signed_up, storage_non_existant, sso_not_configured and maximum_limit_reached', async () => {
    const admin = await newUser('admin3');
    await client.subusers.invite({ admin_email: admin, subuser_email: 'pending@team.example', ...settings });
    await expectCode(
      client.subusers.disable(admin, { subuserEmail: 'pending@team.example' }),
      'user_not_signed_up',
    );
    await expectCode(
      client.subusers.enable(admin, { subuserEmail: 'pending@team.example' }),
      'user_not_signed_up',
    );
    await expectCode(
      client.subusers.remove(admin, { subuserEmail: 'pending@team.example' }),
      'user_not_signed_up',
    );
    await expectCode(
      client.subusers.activityPage(admin, 'pending@team.example', '2026-11-01', '2026-11-02', 1),
      'user_not_signed_up',
    );
    await expectCode(
      client.subusers.invite({
        admin_email: admin,
        subuser_email: 'x@team.example',
        ...settings,
        storage_access: [{ storage_dn: 'no.example.com', buckets: ['media-bucket'] }],
      }),
      'storage_non_existant',
    );
    await expectCode(
      client.subusers.update({ admin_email: admin, subuser_email: 'pending@team.example', sso_login: true }),
      'sso_not_configured',
    );
    await expectCode(
      client.subusers.update({ admin_email: admin, subuser_email: 'ghost@team.example' }),
      'account_non_existant',
    );
    await expectCode(client.subusers.list(MISSING), 'account_non_existant');
    for (let i = 1; i < 10; i++)
      await client.subusers.invite({ admin_email: admin, subuser_email: `n${i}@team.example`, ...settings });
    const limit = await expectCode(
      client.subusers.invite({ admin_email: admin, subuser_email: 'n10@team.example', ...settings }),
      'maximum_limit_reached',
    );
    expect(isE2Code(limit, 'maximum_limit_reached')).toBe(true);
  });
});

describe('authentication and validation', () => {
  it('a wrong token is 401 unauthorized with the documented body', async () => {
    const other = await startSim({ token: 'the-right-token' }, {});
    try {
      const wrong = (await import('../../lambdas/e2/client.ts')).E2Client;
      const bad = new wrong({ apiUrl: other.url, token: 'not-the-right-token' }, { sleep: async () => {} });
      const error = await expectCode(bad.users.list(), 'unauthorized', 401);
      expect(error.apiMessage).toBe('Authentication header missing/invalid');
      await bad.close();
    } finally {
      await other.stop();
    }
  });

  it('invalid input never reaches the network', async () => {
    const before = env.sim.stats.requests;
    const attempts: Promise<unknown>[] = [
      client.users.create({ email: 'not-an-email', password: 'dGVzdDEyMw==', first_name: 'x', quota: 0 }),
      client.users.create({ email: 'a@b.example', password: 'not base64!', first_name: 'x', quota: 0 }),
      client.users.create({
        email: 'a@b.example',
        password: 'dGVzdDEyMw==',
        first_name: 'x'.repeat(65),
        quota: 0,
      }),
      client.users.usageStats('a@b.example', '2026-02-01', '2026-01-01'),
      client.storage.enableUserRegion('a@b.example', 'TOOLONG'),
      client.accessKeys.create({ email: 'a@b.example', storage_dn: 'x', name: 'k', permissions: 3 as never }),
      client.accessKeys.create({
        email: 'a@b.example',
        storage_dn: 'x',
        name: 'k',
        permissions: 0,
        buckets: [],
      }),
      client.cnames.add({
        email: 'a@b.example',
        storage_dn: 'x',
        cname: 'c.example.com',
        public_key: 'p',
        private_key: 'k'.repeat(6001),
      }),
      client.subusers.update({
        admin_email: 'a@b.example',
        subuser_email: 's@b.example',
        idle_timeout: 3601,
      }),
    ];
    for (const attempt of attempts) await expect(attempt).rejects.toBeInstanceOf(E2RequestValidationError);
    expect(env.sim.stats.requests).toBe(before);
  });
});

describe('coverage of the reference', () => {
  it('the client and the simulator both cover the 28 documented operations', async () => {
    const { userOps } = await import('../../lambdas/e2/resources/users.ts');
    const { storageOps } = await import('../../lambdas/e2/resources/storage.ts');
    const { accessKeyOps } = await import('../../lambdas/e2/resources/access-keys.ts');
    const { cnameOps } = await import('../../lambdas/e2/resources/cnames.ts');
    const { subuserOps } = await import('../../lambdas/e2/resources/subusers.ts');
    const { SIM_OPERATION_COUNT } = await import('../../local/simulator/server.ts');
    const groups = {
      users: userOps,
      storage: storageOps,
      accessKeys: accessKeyOps,
      cnames: cnameOps,
      subusers: subuserOps,
    };
    const counts = Object.fromEntries(
      Object.entries(groups).map(([name, ops]) => [name, Object.keys(ops).length]),
    );
    expect(counts).toEqual({ users: 7, storage: 5, accessKeys: 3, cnames: 4, subusers: 9 });
    const paths = Object.values(groups).flatMap((ops) =>
      Object.values(ops).map((op) => `${op.method} ${op.path}`),
    );
    expect(new Set(paths).size).toBe(28);
    expect(SIM_OPERATION_COUNT).toBe(28);
  });
});
