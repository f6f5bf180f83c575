// Over 300 lines on purpose: one method per endpoint of the API reference, in its order, so the
// simulator can be read side by side with ../shared/idrive-e2-reseller-api.txt.
import { addDays, differenceInCalendarDays, parseISO } from 'date-fns';
import {
  type ActivityLog,
  activityCount,
  activityRecord,
  type DatasetOptions,
  defaultHistoryStart,
  isoDay,
  type SeedUser,
  seedUsers,
  usageOn,
} from './dataset.ts';
import { hash32, unit } from './random.ts';
import { Checker } from './validate.ts';

/** An answer the server turns into HTTP: status and JSON body (or raw JSON text for doubles). */
export type SimReply = { status: number; body: unknown; rawJson?: string };

type Region = {
  region_key: string;
  region_name: string;
  country: string;
  region_code: string;
  active: boolean;
  hdd_storage: boolean;
  cors: string;
};

export const REGIONS: readonly Region[] = [
  {
    region_key: 'TX',
    region_name: 'Dallas',
    country: 'United States',
    region_code: 'tx21',
    active: true,
    hdd_storage: false,
    cors: '*',
  },
  {
    region_key: 'NY',
    region_name: 'New York',
    country: 'United States',
    region_code: 'ny22',
    active: true,
    hdd_storage: false,
    cors: '*',
  },
  {
    region_key: 'CH',
    region_name: 'Chicago',
    country: 'United States',
    region_code: 'ch',
    active: true,
    hdd_storage: true,
    cors: '*',
  },
  {
    region_key: 'LDN',
    region_name: 'London',
    country: 'United Kingdom',
    region_code: 'ldn',
    active: true,
    hdd_storage: false,
    cors: '*',
  },
  {
    region_key: 'IE',
    region_name: 'Ireland',
    country: 'Ireland',
    region_code: 'ie',
    active: true,
    hdd_storage: true,
    cors: '*',
  },
  {
    region_key: 'PAR',
    region_name: 'Paris',
    country: 'France',
    region_code: 'par',
    active: false,
    hdd_storage: false,
    cors: '*',
  },
];

type Storage = {
  storageDn: string;
  regionKey: string;
  cors: string;
  hasBuckets: boolean;
  keys: Map<string, { key_id: string; name: string; creation_date: string; description: string }>;
  cnames: Map<string, { file_index: string; cname: string; certificate_info: string; creation_date: string }>;
};

type Subuser = {
  email: string;
  first_name: string | null;
  last_name: string | null;
  signed_up: boolean;
  active: boolean;
  invite_url: string | null;
  account_creation_timestamp: string;
  settings: Record<string, unknown>;
};

type User = SeedUser & { storages: Map<string, Storage>; subusers: Map<string, Subuser> };

const err = (status: number, type: string, code: string, message: string, errors?: unknown[]): SimReply => ({
  status,
  body: { error: { type, code, message, ...(errors ? { errors } : {}) } },
});
const forbidden = (code: string, message: string) => err(403, 'invalid_request_error', code, message);
const NO_ACCOUNT = () => forbidden('account_non_existant', 'Account with this email does not exist');
const USER_DISABLED = () => forbidden('user_disabled', 'User Disabled');
const NO_STORAGE = () => forbidden('storage_non_existant', 'Storage does not exists');
const processingFailed = (message: string, status = 403) =>
  err(status, status >= 500 ? 'api_error' : 'invalid_request_error', 'request_processing_failed', message);

export const RECORDS_PER_PAGE = 200;
export const SUBUSER_LIMIT = 10;
/** Emails that belong to independent IDrive accounts (create_user answers email_already_in_use). */
export const FOREIGN_EMAILS = new Set(['independent@elsewhere.example']);

/**
 * The simulated reseller account: users, their storages, keys, CNAMEs and subusers, with every
 * precondition and error case of the reference. Daily usage and activity come from the dataset.
 */
export class SimModel {
  readonly seed: number;
  readonly today: string;
  readonly users = new Map<string, User>();
  #counter = 0;

  constructor(options: DatasetOptions) {
    this.seed = options.seed;
    this.today = options.today;
    for (const seed of seedUsers({
      ...options,
      historyStart: options.historyStart ?? defaultHistoryStart(options.today),
    })) {
      const user: User = { ...seed, storages: new Map(), subusers: new Map() };
      this.users.set(seed.email.toLowerCase(), user);
      if (seed.signedUp) this.#seedResources(user);
    }
  }

  #seedResources(user: User) {
    const regions = 1 + (hash32(this.seed, user.email, 'regions') % 2);
    for (let i = 0; i < regions; i++) {
      const region = REGIONS[hash32(this.seed, user.email, 'region', i) % 5]!;
      if ([...user.storages.values()].some((s) => s.regionKey === region.region_key)) continue;
      const storage = this.#newStorage(region, true);
      user.storages.set(storage.storageDn, storage);
      if (unit(this.seed, user.email, 'key', i) < 0.7) this.#newKey(storage, `seed-key-${i}`, 2);
    }
    if (unit(this.seed, user.email, 'subuser') < 0.3) {
      const email = `team+${hash32(this.seed, user.email) % 1000}@${user.email.split('@')[1]}`;
      user.subusers.set(email.toLowerCase(), {
        email,
        first_name: 'Team',
        last_name: 'Member',
        signed_up: true,
        active: true,
        invite_url: null,
        account_creation_timestamp: user.createdAt,
        settings: {
          permissions: 2,
          is_admin: false,
          disable_delete_object: true,
          sso_login: false,
          idle_timeout: 900,
          concurrent_sessions: true,
          allow_session_timeout_settings: false,
          allow_concurrent_session_settings: false,
          storage_access: [],
        },
      });
    }
  }

  #next(): number {
    return ++this.#counter;
  }

  #newStorage(region: Region, hasBuckets: boolean): Storage {
    const n = this.#next();
    const prefix = (hash32(this.seed, 'dn', n) % 0xffff).toString(36).padStart(4, 'a');
    return {
      storageDn: `${prefix}.${region.region_code}.idrivee2-${(n % 90) + 10}.com`,
      regionKey: region.region_key,
      cors: '*',
      hasBuckets,
      keys: new Map(),
      cnames: new Map(),
    };
  }

  #newKey(storage: Storage, name: string, permissions: number, buckets?: string[]) {
    const n = this.#next();
    const keyId = `E2K${hash32(this.seed, 'key', n).toString(16).toUpperCase().padStart(8, '0')}${String(n).padStart(6, '0')}`;
    const secret = `s${hash32(this.seed, 'secret', n).toString(36)}${hash32(this.seed, 'secret2', n).toString(36)}${hash32(n, 'x').toString(36)}`;
    const perm = ['Read', 'Write', 'Read/Write'][permissions] ?? 'Read';
    storage.keys.set(keyId, {
      key_id: keyId,
      name,
      creation_date: this.today,
      description: buckets
        ? `${perm} access to buckets: ${buckets.join(', ')}`
        : `${perm} access to all buckets`,
    });
    return { access_key: keyId, secret_key: secret };
  }

  #user(email: string): User | undefined {
    return this.users.get(email.toLowerCase());
  }

  // ---- users ----

  listUsers(shape: 'object' | 'array'): SimReply {
    const users = [...this.users.values()].map((u) => {
      const usage = u.signedUp ? usageOn(this.seed, u, this.today, this.today) : null;
      return {
        email: u.email,
        first_name: u.firstName,
        last_name: u.lastName,
        account_creation_timestamp: u.createdAt,
        invite_url: u.signedUp
          ? null
          : `https://app.idrivee2.com/signup?invite=${hash32(this.seed, u.email).toString(36)}`,
        is_signed_up: u.signedUp,
        is_active: u.active,
        storage_used: usage?.disk_used ?? 0,
        storage_quota: u.quotaGb,
      };
    });
    return { status: 200, body: shape === 'array' ? users : { id: `reseller-${this.seed}`, users } };
  }

  createUser(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    c.base64('password', 100);
    const firstName = c.string('first_name', 64);
    const lastName = c.string('last_name', 64, { optional: true });
    const quota = c.int('quota', 0, 2 ** 31 - 1);
    c.bool('email_notification', { optional: true });
    c.done();
    if (this.#user(email)) return forbidden('user_signed_up', 'User already signed up');
    if (FOREIGN_EMAILS.has(email.toLowerCase()))
      return forbidden('email_already_in_use', 'Email already in use');
    const now = new Date().toISOString().slice(11, 19);
    this.users.set(email.toLowerCase(), {
      email,
      firstName: firstName!,
      lastName: lastName ?? null,
      createdDay: this.today,
      createdAt: `${this.today}T${now}Z`,
      signedUp: true,
      active: true,
      quotaGb: quota ?? 0,
      dailyRate: 0,
      activityMean: 0,
      massDeletionDay: null,
      storages: new Map(),
      subusers: new Map(),
    });
    return { status: 200, body: { user_created: true } };
  }

  setActive(body: Record<string, unknown>, active: boolean): SimReply {
    const c = new Checker(body);
    const email = c.email();
    c.done();
    const user = this.#user(email);
    if (!user) return NO_ACCOUNT();
    if (!active && !user.active)
      return forbidden('user_account_already_disabled', 'Account already disabled for the user');
    if (active && user.active)
      return forbidden('user_account_already_enabled', 'Account already enabled for the user');
    user.active = active;
    return { status: 200, body: active ? { user_enabled: true } : { user_disabled: true } };
  }

  removeUser(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    c.done();
    const user = this.#user(email);
    if (!user) return NO_ACCOUNT();
    if (user.active) return forbidden('user_account_not_disabled', 'User account not disabled');
    this.users.delete(email.toLowerCase());
    return { status: 200, body: { user_removed: true } };
  }

  usageStats(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    const from = c.date('date_from');
    const to = c.date('date_to');
    c.done();
    if (from > to)
      return err(
        400,
        'invalid_request_error',
        'invalid_parameters',
        'Invalid parameter values, check errors for details',
        [{ field: 'date_from', message: 'date_from must not be after date_to' }],
      );
    const user = this.#user(email);
    if (!user) return NO_ACCOUNT();
    // Precondition "User must be signed up"; the reference names no code, we answer user_not_signed_up.
    if (!user.signedUp) return forbidden('user_not_signed_up', 'User is not signed up');
    const rows: string[] = [];
    const days = differenceInCalendarDays(parseISO(to), parseISO(from));
    for (let i = 0; i <= days; i++) {
      const usage = usageOn(this.seed, user, isoDay(addDays(parseISO(from), i)), this.today);
      // Sent as doubles, as the real API does: `1234.0` and exponent notation for big values.
      if (usage)
        rows.push(
          `{"downloads":${double(usage.downloads)},"uploads":${double(usage.uploads)},"disk_used":${double(usage.disk_used)},"date":"${usage.date}"}`,
        );
    }
    return { status: 200, body: null, rawJson: `[${rows.join(',')}]` };
  }

  activity(
    body: Record<string, unknown>,
    user: SeedUser | undefined,
    from: string,
    to: string,
    pageNo: number,
  ): SimReply {
    if (!user) return NO_ACCOUNT();
    const days: { day: string; count: number }[] = [];
    let total = 0;
    const span = differenceInCalendarDays(parseISO(to), parseISO(from));
    for (let i = 0; i <= span; i++) {
      const day = isoDay(addDays(parseISO(from), i));
      const count = activityCount(this.seed, user, day, this.today);
      if (count > 0) days.push({ day, count });
      total += count;
    }
    const start = (pageNo - 1) * RECORDS_PER_PAGE;
    const logs: ActivityLog[] = [];
    let offset = 0;
    for (const { day, count } of days) {
      if (logs.length >= RECORDS_PER_PAGE) break;
      if (offset + count <= start) {
        offset += count;
        continue;
      }
      for (let i = Math.max(0, start - offset); i < count && logs.length < RECORDS_PER_PAGE; i++) {
        logs.push(activityRecord(this.seed, user, day, i, count));
      }
      offset += count;
    }
    void body;
    return {
      status: 200,
      body: {
        logs,
        pagination: { total_records: total, page_no: pageNo, records_per_page: RECORDS_PER_PAGE },
      },
    };
  }

  userActivity(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    const from = c.date('start_date');
    const to = c.date('end_date');
    const page = c.int('page_no', 1, 1_000_000);
    c.done();
    return this.activity(body, this.#user(email), from, to, page!);
  }

  // ---- storage ----

  regions(): SimReply {
    return { status: 200, body: REGIONS };
  }

  enableUserRegion(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    const regionKey = c.string('region', 5);
    c.done();
    const region = REGIONS.find((r) => r.region_key === regionKey);
    if (!region?.active)
      return err(
        400,
        'invalid_request_error',
        'invalid_parameters',
        'Invalid parameter values, check errors for details',
        [{ field: 'region', message: 'region is not an active region_key' }],
      );
    const user = this.#user(email);
    if (!user) return NO_ACCOUNT();
    if (!user.active) return USER_DISABLED();
    if ([...user.storages.values()].some((s) => s.regionKey === regionKey))
      return forbidden('region_already_enabled', 'Storage region already enabled for user');
    const storage = this.#newStorage(region, false);
    user.storages.set(storage.storageDn, storage);
    return { status: 200, body: { storage_added: true, storage_dn: storage.storageDn } };
  }

  listUserRegions(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    c.done();
    const user = this.#user(email);
    if (!user) return NO_ACCOUNT();
    if (!user.active) return USER_DISABLED();
    const userRegions = [...user.storages.values()].map((s) => ({
      region_key: s.regionKey,
      storage_dn: s.storageDn,
      cors: s.cors,
    }));
    return { status: 200, body: { user_regions: userRegions } };
  }

  removeUserRegion(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    const dn = c.string('storage_dn', 128) ?? '';
    c.done();
    const user = this.#user(email);
    if (!user) return NO_ACCOUNT();
    const storage = user.storages.get(dn);
    if (!storage) return NO_STORAGE();
    if (storage.hasBuckets && user.active) {
      return forbidden(
        'storage_not_empty',
        'Storage not empty. To avoid user data loss, this request will not be processed. To remove this storage, please disable the user first and try again',
      );
    }
    user.storages.delete(dn);
    return { status: 200, body: { removed: true } };
  }

  setCors(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    const dn = c.string('storage_dn', 128) ?? '';
    const cors = c.string('cors', 2600) ?? '';
    c.done();
    const user = this.#user(email);
    if (!user) return NO_ACCOUNT();
    const storage = user.storages.get(dn);
    if (!storage) return NO_STORAGE();
    const domains = cors.split(',').map((d) => d.trim());
    if (domains.length > 10) return forbidden('invalid_cors_policy', 'Maximum 10 cors are allowed');
    const valid =
      cors === '*' ||
      domains.every((d) =>
        /^(https?:\/\/)?(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i.test(
          d,
        ),
      );
    if (!valid) return forbidden('invalid_cors_policy', 'The cors policy is invalid');
    storage.cors = domains.join(',');
    return { status: 200, body: { cors_updated: true } };
  }

  // ---- access keys ----

  #enabledStorage(email: string, dn: string): { user: User; storage: Storage } | SimReply {
    const user = this.#user(email);
    if (!user) return NO_ACCOUNT();
    const storage = user.storages.get(dn);
    if (!storage) return NO_STORAGE();
    if (!user.active) return USER_DISABLED();
    return { user, storage };
  }

  createAccessKey(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    const dn = c.string('storage_dn', 128) ?? '';
    const name = c.string('name', 64) ?? '';
    const permissions = c.int('permissions', 0, 2);
    const buckets = c.stringArray('buckets', { optional: true, nonEmpty: true });
    c.done();
    const found = this.#enabledStorage(email, dn);
    if ('status' in found) return found;
    const created = this.#newKey(found.storage, name, permissions!, buckets);
    return { status: 200, body: { created: true, data: created } };
  }

  listAccessKeys(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    const dn = c.string('storage_dn', 128) ?? '';
    c.done();
    const found = this.#enabledStorage(email, dn);
    if ('status' in found) return found;
    return { status: 200, body: { storage_dn: dn, access_keys: [...found.storage.keys.values()] } };
  }

  removeAccessKey(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    const dn = c.string('storage_dn', 128) ?? '';
    const key = c.string('access_key', 128) ?? '';
    c.done();
    const found = this.#enabledStorage(email, dn);
    if ('status' in found) return found;
    if (!found.storage.keys.delete(key))
      return forbidden(
        'access_key_non_existant',
        'Access key does not exist, please provide a valid access key',
      );
    return { status: 200, body: { removed: true } };
  }

  // ---- CNAMEs ----

  #cnameTarget(
    c: Checker,
    withCertificates: boolean,
  ): { reply: SimReply } | { user: User; storage: Storage; cname: string; fileIndex: string | undefined } {
    const email = c.email();
    const dn = c.string('storage_dn', 128) ?? '';
    const cname = c.string('cname', 128) ?? '';
    let publicKey = '';
    let privateKey = '';
    let fileIndex: string | undefined;
    if (withCertificates) {
      publicKey = c.string('public_key', 10_000) ?? '';
      privateKey = c.string('private_key', 6_000) ?? '';
      fileIndex = c.string('file_index', 64, { optional: true });
      c.string('passphrase', 255, { optional: true });
      c.string('region_key', 5, { optional: true });
    }
    c.done();
    const user = this.#user(email);
    if (!user) return { reply: NO_ACCOUNT() };
    if (!user.active) return { reply: USER_DISABLED() };
    if (/(^|\.)idrive(e2)?(-\d+)?\.com$/i.test(cname))
      return { reply: processingFailed('this CNAME cannot be used, please try changing your CNAME') };
    const storage = user.storages.get(dn);
    if (!storage) return { reply: processingFailed('Unable to retrieve storage info for given storage_dn') };
    if (withCertificates && !(publicKey.includes('-----BEGIN') && privateKey.includes('-----BEGIN'))) {
      return { reply: processingFailed('Could not verify CNAME or certificates. Please try again') };
    }
    return { user, storage, cname, fileIndex };
  }

  addCname(body: Record<string, unknown>): SimReply {
    const t = this.#cnameTarget(new Checker(body), true);
    if ('reply' in t) return t.reply;
    const taken = [...this.users.values()].some((u) =>
      [...u.storages.values()].some((s) => s.cnames.has(t.cname.toLowerCase())),
    );
    if (taken) return processingFailed('CNAME already configure');
    const fileIndex = t.fileIndex ?? String(t.storage.cnames.size + 1);
    t.storage.cnames.set(t.cname.toLowerCase(), {
      file_index: fileIndex,
      cname: t.cname,
      certificate_info: `CN=${t.cname}`,
      creation_date: this.today,
    });
    return { status: 200, body: { cname_added: true } };
  }

  listCnames(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    const email = c.email();
    const dn = c.string('storage_dn', 128) ?? '';
    c.done();
    const user = this.#user(email);
    if (!user) return NO_ACCOUNT();
    if (!user.active) return USER_DISABLED();
    const storage = user.storages.get(dn);
    if (!storage) return processingFailed('data not found for given dns', 500);
    return { status: 200, body: { cname_list: [...storage.cnames.values()] } };
  }

  updateCname(body: Record<string, unknown>): SimReply {
    const t = this.#cnameTarget(new Checker(body), true);
    if ('reply' in t) return t.reply;
    // "the new CNAME that needs to be replaced with the already existing CNAME": by file_index when
    // given, else the storage's only CNAME.
    const existing = [...t.storage.cnames.values()].find((x) =>
      t.fileIndex ? x.file_index === t.fileIndex : true,
    );
    if (!existing) return processingFailed('cannot get cname details');
    if (existing.cname.toLowerCase() !== t.cname.toLowerCase()) {
      const taken = [...this.users.values()].some((u) =>
        [...u.storages.values()].some((s) => s.cnames.has(t.cname.toLowerCase())),
      );
      if (taken) return processingFailed('CNAME already configured');
    }
    t.storage.cnames.delete(existing.cname.toLowerCase());
    t.storage.cnames.set(t.cname.toLowerCase(), {
      ...existing,
      cname: t.cname,
      certificate_info: `CN=${t.cname}`,
    });
    return { status: 200, body: { cname_updated: true } };
  }

  removeCname(body: Record<string, unknown>): SimReply {
    const t = this.#cnameTarget(new Checker(body), false);
    if ('reply' in t) return t.reply;
    if (!t.storage.cnames.delete(t.cname.toLowerCase())) return processingFailed('cannot get cname details');
    return { status: 200, body: { cname_removed: true } };
  }

  // ---- subusers ----

  #admin(c: Checker): { admin: User } | { reply: SimReply } {
    const adminEmail = c.email('admin_email');
    c.done();
    const admin = this.#user(adminEmail);
    if (!admin) return { reply: NO_ACCOUNT() };
    return { admin };
  }

  #subuserSettings(
    c: Checker,
    admin: User | undefined,
    partial: boolean,
  ): Record<string, unknown> | SimReply {
    const opt = { optional: partial };
    const settings: Record<string, unknown> = {
      disable_delete_object: c.bool('disable_delete_object', { optional: true }),
      permissions: c.int('permissions', 0, 2, opt),
      is_admin: c.bool('is_admin', opt),
      sso_login: c.bool('sso_login', { optional: true }),
      allow_session_timeout_settings: c.bool('allow_session_timeout_settings', opt),
      idle_timeout: c.int('idle_timeout', 0, 3600, opt),
      concurrent_sessions: c.bool('concurrent_sessions', opt),
      allow_concurrent_session_settings: c.bool('allow_concurrent_session_settings', opt),
      storage_access: c.storageAccess('storage_access'),
    };
    c.email('subuser_email');
    c.email('admin_email');
    c.done();
    if (!admin) return NO_ACCOUNT();
    const access = settings.storage_access as { storage_dn: string }[] | undefined;
    if (access?.some((a) => !admin.storages.has(a.storage_dn)))
      return forbidden('storage_non_existant', 'Storage does not exist');
    if (settings.sso_login === true) return forbidden('sso_not_configured', 'SSO is not configured');
    for (const key of Object.keys(settings)) if (settings[key] === undefined) delete settings[key];
    return settings;
  }

  inviteSubuser(body: Record<string, unknown>, createAccount: boolean): SimReply {
    const c = new Checker(body);
    const admin = this.#user(String(body.admin_email ?? ''));
    let first: string | undefined;
    let last: string | undefined;
    if (createAccount) {
      first = c.string('first_name', 64);
      last = c.string('last_name', 64, { optional: true });
      c.base64('password', 100);
    }
    const settings = this.#subuserSettings(c, admin, false);
    if ('status' in settings) return settings as SimReply;
    const subEmail = String(body.subuser_email);
    const existing = admin!.subusers.get(subEmail.toLowerCase());
    if (existing?.signed_up) return forbidden('user_already_signedup', 'User signed up');
    if (!existing && admin!.subusers.size >= SUBUSER_LIMIT)
      return forbidden(
        'maximum_limit_reached',
        `You can add at most ${SUBUSER_LIMIT} sub-users to this account`,
      );
    const inviteUrl = `https://app.idrivee2.com/subuser/invite/${hash32(this.seed, subEmail, this.#next()).toString(36)}`;
    admin!.subusers.set(subEmail.toLowerCase(), {
      email: subEmail,
      first_name: first ?? null,
      last_name: last ?? null,
      signed_up: createAccount,
      active: true,
      invite_url: createAccount ? null : inviteUrl,
      account_creation_timestamp: `${this.today}T00:00:00Z`,
      settings,
    });
    return {
      status: 200,
      body: createAccount ? { success: true } : { result: 'invite successful', invite_url: inviteUrl },
    };
  }

  listSubusers(body: Record<string, unknown>): SimReply {
    const found = this.#admin(new Checker(body));
    if ('reply' in found) return found.reply;
    const users = [...found.admin.subusers.values()].map((s) => ({
      email: s.email,
      first_name: s.first_name,
      last_name: s.last_name,
      account_creation_timestamp: s.account_creation_timestamp,
      invite_url: s.invite_url,
      signed_up: s.signed_up,
      storage_access: [],
      ...s.settings,
    }));
    return { status: 200, body: { users } };
  }

  #subuser(
    body: Record<string, unknown>,
    extra: (c: Checker) => void,
  ): { sub: Subuser; admin: User } | { reply: SimReply } {
    const c = new Checker(body);
    const subEmail = c.email('subuser_email');
    extra(c);
    const found = this.#admin(c);
    if ('reply' in found) return found;
    const sub = found.admin.subusers.get(subEmail.toLowerCase());
    if (!sub) return { reply: NO_ACCOUNT() };
    return { sub, admin: found.admin };
  }

  subuserLifecycle(body: Record<string, unknown>, action: 'disable' | 'enable' | 'remove'): SimReply {
    const found = this.#subuser(body, (c) => c.bool('email_notification', { optional: true }));
    if ('reply' in found) return found.reply;
    const { sub, admin } = found;
    if (!sub.signed_up) return forbidden('user_not_signed_up', 'Subuser is not signed up');
    if (action === 'disable') {
      if (!sub.active)
        return forbidden('user_account_already_disabled', 'Account already disabled for the user');
      sub.active = false;
    } else if (action === 'enable') {
      if (sub.active)
        return forbidden('user_account_already_enabled', 'Account already enabled for the user');
      sub.active = true;
    } else {
      if (sub.active) return forbidden('user_account_not_disabled', 'User account not disabled');
      admin.subusers.delete(sub.email.toLowerCase());
    }
    return { status: 200, body: { success: true } };
  }

  cancelInvite(body: Record<string, unknown>): SimReply {
    const found = this.#subuser(body, () => {});
    if ('reply' in found) return found.reply;
    if (found.sub.signed_up) return forbidden('user_already_signedup', 'User signed up');
    found.admin.subusers.delete(found.sub.email.toLowerCase());
    return { status: 200, body: { success: true } };
  }

  updateSubuser(body: Record<string, unknown>): SimReply {
    const c = new Checker(body);
    c.bool('expire_subuser_sessions', { optional: true });
    const admin = this.#user(String(body.admin_email ?? ''));
    const settings = this.#subuserSettings(c, admin, true);
    if ('status' in settings) return settings as SimReply;
    const sub = admin!.subusers.get(String(body.subuser_email).toLowerCase());
    if (!sub) return NO_ACCOUNT();
    Object.assign(sub.settings, settings);
    return { status: 200, body: { success: true } };
  }

  subuserActivity(body: Record<string, unknown>): SimReply {
    let from = '';
    let to = '';
    let page = 1;
    const found = this.#subuser(body, (c) => {
      from = c.date('start_date');
      to = c.date('end_date');
      page = c.int('page_no', 1, 1_000_000) ?? 1;
    });
    if ('reply' in found) return found.reply;
    if (!found.sub.signed_up) return forbidden('user_not_signed_up', 'Subuser is not signed up');
    // Subusers act on the admin's account: a share of the admin's activity, under a derived identity.
    const proxy: SeedUser = {
      ...found.admin,
      email: found.sub.email,
      activityMean: Math.ceil(found.admin.activityMean / 4),
    };
    return this.activity(body, proxy, from, to, page);
  }
}

/** A byte count as a JSON double: `1234.0`, or exponent notation from 10^15 up (still exact). */
function double(n: number): string {
  return n >= 1e15 ? n.toExponential() : `${n}.0`;
}
