import { z } from 'zod';
import { calendarDay, calendarMonth, rangeIssues } from '../calendar/calendar-values.ts';
import { daysBetween, minusDays, utcToday } from '../calendar/days.ts';
import { newRunId, queuedRun, RUN_ID_PATTERN } from '../collect/run-collection.ts';
import type { CollectionRequest } from '../collect/window.ts';
import type { E2Client } from '../e2/client.ts';
import { createAccessKeyInput } from '../e2/resources/access-keys.ts';
import { addCnameInput, updateCnameInput } from '../e2/resources/cnames.ts';
import { corsInput } from '../e2/resources/storage.ts';
import { createSubuserInput, inviteSubuserInput, updateSubuserInput } from '../e2/resources/subusers.ts';
import { createUserInput } from '../e2/resources/users.ts';
import { accessKeyId, dnsName, email, regionKey, storageDn } from '../e2/schemas.ts';
import type { LedgerStore, ObjectStore } from '../ledger/ports.ts';
import { monthReports } from '../reports/month-reports.ts';
import { failuresWithResolution } from '../status/failures.ts';
import { ledgerStatus, type StatusDeps } from '../status/ledger-status.ts';
import { badRequest, HttpError } from './http-error.ts';
import type { Role } from './roles.ts';

/** Starts a backfill under the id the API already promised: Step Functions in AWS, in-process on a laptop. */
export interface RunLauncher {
  start(
    request: Extract<CollectionRequest, { kind: 'backfill' }>,
    runId: string,
  ): Promise<{ readonly executionArn: string | null }>;
}

export type ApiContext = {
  readonly e2: E2Client;
  readonly ledger: LedgerStore;
  readonly objects: ObjectStore;
  readonly auditObjects?: ObjectStore;
  readonly launcher: RunLauncher;
  readonly now: () => Date;
  /** What GET /status reports against: the rate card's key, the schedule as deployed, the window. */
  readonly status: Pick<StatusDeps, 'rateCardKey' | 'schedule' | 'recollectDays'>;
  /** The longest backfill one request may ask for. */
  readonly limits: { readonly maxRunDays: number };
};

export type RouteInput = {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
};
export type RouteResult = { status: number; body: unknown };

export type Route = {
  readonly id: string;
  /** The least role that may call it (see roles.ts); the stack's IAM policies come from this too. */
  readonly role: Role;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly summary: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType<Record<string, unknown>>;
  /** Mutating routes are audited. */
  readonly mutating: boolean;
  /** Destructive routes need `confirm` equal to this path parameter's value. */
  readonly confirm?: string;
  /** What the audit record names as the target. */
  readonly target?: (input: RouteInput) => string;
  /** Input rules that depend on the moment or the deployment (ranges up to yesterday, limits): run with validation, before auditing. */
  readonly check?: (ctx: ApiContext, input: RouteInput) => void;
  readonly handle: (ctx: ApiContext, input: RouteInput) => Promise<RouteResult>;
};

// Path and query schemas (strings in, validated before anything else happens).
const emailParam = z.object({ email });
const regionParams = z.object({ email, storageDn });
/** A from..to query of calendar days, at most `maxDays` long; issues name the field. */
const dayRangeQuery = (maxDays: number, extra: z.ZodRawShape = {}) =>
  z
    .object({ from: calendarDay, to: calendarDay, ...extra })
    .strict()
    .superRefine((q, ctx) => {
      for (const issue of rangeIssues(q as { from: string; to: string }, { maxDays }))
        ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
    });
/** Activity pages: 1, 2, ... written in decimal (no 0x10, no 1e3). */
const pageNumber = z
  .string()
  .regex(/^[1-9]\d{0,6}$/, 'must be a page number from 1, in decimal')
  .transform(Number)
  .optional()
  .transform((v) => v ?? 1);
const plainPassword = z.string().min(6).max(75, 'must be at most 75 characters (100 once base64-encoded)');
const b64 = (password: string) => Buffer.from(password, 'utf8').toString('base64');
const confirmField = { confirm: z.string().optional() };

const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
const p = (input: RouteInput, name: string) => input.params[name]!;

export const routes: readonly Route[] = [
  {
    id: 'users.list',
    role: 'viewer',
    method: 'GET',
    path: '/users',
    summary: 'List every customer account',
    mutating: false,
    handle: async (ctx) => ok({ users: await ctx.e2.users.list() }),
  },
  {
    id: 'users.create',
    role: 'operator',
    method: 'POST',
    path: '/users',
    summary: 'Create a customer account (password in plain text; sent base64-encoded)',
    // The client's schema, with the password in plain text and the quota named for its unit.
    body: createUserInput
      .omit({ password: true, quota: true })
      .extend({ password: plainPassword, quota_gb: createUserInput.shape.quota }),
    mutating: true,
    target: (i) => String(i.body.email),
    handle: async (ctx, { body }) => {
      const b = body as {
        email: string;
        password: string;
        first_name: string;
        last_name?: string;
        quota_gb: number;
        email_notification?: boolean;
      };
      await ctx.e2.users.create({
        email: b.email,
        password: b64(b.password),
        first_name: b.first_name,
        ...(b.last_name ? { last_name: b.last_name } : {}),
        quota: b.quota_gb,
        ...(b.email_notification !== undefined ? { email_notification: b.email_notification } : {}),
      });
      return ok({ created: true, email: b.email }, 201);
    },
  },
  {
    id: 'users.disable',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/disable',
    summary: 'Disable a customer account',
    params: emailParam,
    mutating: true,
    target: (i) => p(i, 'email'),
    handle: async (ctx, i) => {
      await ctx.e2.users.disable(p(i, 'email'));
      return ok({ disabled: true });
    },
  },
  {
    id: 'users.enable',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/enable',
    summary: 'Enable a disabled customer account',
    params: emailParam,
    mutating: true,
    target: (i) => p(i, 'email'),
    handle: async (ctx, i) => {
      await ctx.e2.users.enable(p(i, 'email'));
      return ok({ enabled: true });
    },
  },
  {
    id: 'users.remove',
    role: 'admin',
    method: 'DELETE',
    path: '/users/{email}',
    summary: 'Remove a disabled customer account and its data, permanently',
    params: emailParam,
    body: z.object(confirmField).strict(),
    mutating: true,
    confirm: 'email',
    target: (i) => p(i, 'email'),
    handle: async (ctx, i) => {
      await ctx.e2.users.remove(p(i, 'email'));
      return ok({ removed: true });
    },
  },
  {
    id: 'users.usage',
    role: 'viewer',
    method: 'GET',
    path: '/users/{email}/usage',
    summary: 'Daily usage: stored snapshots, or live from IDrive with live=true',
    params: emailParam,
    query: dayRangeQuery(366, { live: z.enum(['true', 'false']).optional() }),
    mutating: false,
    handle: async (ctx, i) => {
      const { from, to, live } = i.query as { from: string; to: string; live?: string };
      if (live === 'true')
        return ok({ source: 'idrive', days: await ctx.e2.users.usageStats(p(i, 'email'), from, to) });
      const days = (await ctx.ledger.snapshotsForUser(p(i, 'email'), from, to)).map(
        ({ activityCsv: _rows, ...day }) => day,
      );
      const stored = new Set(days.map((d) => d.day));
      return ok({
        source: 'snapshots',
        days,
        missingDays: daysBetween(from, to).filter((d) => !stored.has(d)),
      });
    },
  },
  {
    id: 'users.activity',
    role: 'operator',
    method: 'GET',
    path: '/users/{email}/activity',
    summary: 'One page (200 records) of the activity log, live from IDrive',
    params: emailParam,
    query: dayRangeQuery(366, { page: pageNumber }),
    mutating: false,
    handle: async (ctx, i) => {
      const q = i.query as { from: string; to: string; page: number };
      return ok(await ctx.e2.users.activityPage(p(i, 'email'), q.from, q.to, q.page));
    },
  },
  {
    id: 'regions.list',
    role: 'viewer',
    method: 'GET',
    path: '/regions',
    summary: 'Every IDrive e2 region',
    mutating: false,
    handle: async (ctx) => ok({ regions: await ctx.e2.storage.regions() }),
  },
  {
    id: 'userRegions.list',
    role: 'viewer',
    method: 'GET',
    path: '/users/{email}/regions',
    summary: "A customer's enabled regions and storage DNs",
    params: emailParam,
    mutating: false,
    handle: async (ctx, i) => ok({ regions: await ctx.e2.storage.listUserRegions(p(i, 'email')) }),
  },
  {
    id: 'userRegions.enable',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/regions',
    summary: 'Enable a region for a customer; answers the new storage DN',
    params: emailParam,
    body: z.object({ region: regionKey }).strict(),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${String(i.body.region)}`,
    handle: async (ctx, i) =>
      ok(await ctx.e2.storage.enableUserRegion(p(i, 'email'), String(i.body.region)), 201),
  },
  {
    id: 'userRegions.remove',
    role: 'admin',
    method: 'DELETE',
    path: '/users/{email}/regions/{storageDn}',
    summary: "Remove a customer's region (deletes its data)",
    params: regionParams,
    body: z.object(confirmField).strict(),
    mutating: true,
    confirm: 'storageDn',
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')}`,
    handle: async (ctx, i) => {
      await ctx.e2.storage.removeUserRegion(p(i, 'email'), p(i, 'storageDn'));
      return ok({ removed: true });
    },
  },
  {
    id: 'userRegions.setCors',
    role: 'operator',
    method: 'PUT',
    path: '/users/{email}/regions/{storageDn}/cors',
    summary: 'Set CORS for a storage: "*" or up to 10 domains',
    params: regionParams,
    body: z.object({ cors: corsInput }).strict() as unknown as z.ZodType<Record<string, unknown>>,
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')}`,
    handle: async (ctx, i) => {
      const cors = String(i.body.cors);
      await ctx.e2.storage.setCors(p(i, 'email'), p(i, 'storageDn'), cors === '*' ? '*' : cors.split(','));
      return ok({ cors });
    },
  },
  {
    id: 'accessKeys.list',
    role: 'viewer',
    method: 'GET',
    path: '/users/{email}/regions/{storageDn}/access-keys',
    summary: 'Access keys of a storage (never their secrets)',
    params: regionParams,
    mutating: false,
    handle: async (ctx, i) =>
      ok({ accessKeys: await ctx.e2.accessKeys.list(p(i, 'email'), p(i, 'storageDn')) }),
  },
  {
    id: 'accessKeys.create',
    role: 'admin',
    method: 'POST',
    path: '/users/{email}/regions/{storageDn}/access-keys',
    summary: 'Create an access key; the secret is in this response only, never stored or logged',
    params: regionParams,
    body: createAccessKeyInput.omit({ email: true, storage_dn: true }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')} ${String(i.body.name)}`,
    handle: async (ctx, i) => {
      const b = i.body as { name: string; permissions: 0 | 1 | 2; buckets?: string[] };
      const key = await ctx.e2.accessKeys.create({
        email: p(i, 'email'),
        storage_dn: p(i, 'storageDn'),
        ...b,
      });
      return ok({ accessKeyId: key.accessKeyId, secretKey: key.secretKey }, 201);
    },
  },
  {
    id: 'accessKeys.remove',
    role: 'admin',
    method: 'DELETE',
    path: '/users/{email}/regions/{storageDn}/access-keys/{accessKeyId}',
    summary: 'Remove an access key',
    params: regionParams.extend({ accessKeyId }),
    body: z.object(confirmField).strict(),
    mutating: true,
    confirm: 'accessKeyId',
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')} ${p(i, 'accessKeyId')}`,
    handle: async (ctx, i) => {
      await ctx.e2.accessKeys.remove(p(i, 'email'), p(i, 'storageDn'), p(i, 'accessKeyId'));
      return ok({ removed: true });
    },
  },
  {
    id: 'cnames.list',
    role: 'viewer',
    method: 'GET',
    path: '/users/{email}/regions/{storageDn}/cnames',
    summary: 'CNAMEs of a storage',
    params: regionParams,
    mutating: false,
    handle: async (ctx, i) => ok({ cnames: await ctx.e2.cnames.list(p(i, 'email'), p(i, 'storageDn')) }),
  },
  {
    id: 'cnames.add',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/regions/{storageDn}/cnames',
    summary: 'Add a CNAME with its certificate',
    params: regionParams,
    body: addCnameInput.omit({ email: true, storage_dn: true }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')} ${String(i.body.cname)}`,
    handle: async (ctx, i) => {
      await ctx.e2.cnames.add({
        email: p(i, 'email'),
        storage_dn: p(i, 'storageDn'),
        ...(i.body as { cname: string; public_key: string; private_key: string }),
      });
      return ok({ added: true }, 201);
    },
  },
  {
    id: 'cnames.update',
    role: 'operator',
    method: 'PUT',
    path: '/users/{email}/regions/{storageDn}/cnames',
    summary: "Replace the storage's CNAME (by file_index when given) and its certificate",
    params: regionParams,
    body: updateCnameInput.omit({ email: true, storage_dn: true }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')} ${String(i.body.cname)}`,
    handle: async (ctx, i) => {
      await ctx.e2.cnames.update({
        email: p(i, 'email'),
        storage_dn: p(i, 'storageDn'),
        ...(i.body as { cname: string; public_key: string; private_key: string }),
      });
      return ok({ updated: true });
    },
  },
  {
    id: 'cnames.remove',
    role: 'admin',
    method: 'DELETE',
    path: '/users/{email}/regions/{storageDn}/cnames/{cname}',
    summary: 'Remove a CNAME',
    params: regionParams.extend({ cname: dnsName }),
    body: z.object(confirmField).strict(),
    mutating: true,
    confirm: 'cname',
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')} ${p(i, 'cname')}`,
    handle: async (ctx, i) => {
      await ctx.e2.cnames.remove(p(i, 'email'), p(i, 'storageDn'), p(i, 'cname'));
      return ok({ removed: true });
    },
  },
  {
    id: 'subusers.list',
    role: 'viewer',
    method: 'GET',
    path: '/users/{email}/subusers',
    summary: "A customer's sub-users (the path's email is the admin email)",
    params: emailParam,
    mutating: false,
    handle: async (ctx, i) => ok({ subusers: await ctx.e2.subusers.list(p(i, 'email')) }),
  },
  {
    id: 'subusers.create',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/subusers',
    summary: 'Create a sub-user account (password in plain text; sent base64-encoded)',
    params: emailParam,
    body: createSubuserInput.omit({ admin_email: true }).extend({ password: plainPassword }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${String(i.body.subuser_email)}`,
    handle: async (ctx, i) => {
      const b = i.body as z.infer<typeof createSubuserInput>;
      await ctx.e2.subusers.createAccount({ ...b, password: b64(b.password), admin_email: p(i, 'email') });
      return ok({ created: true, subuser_email: b.subuser_email }, 201);
    },
  },
  {
    id: 'subusers.invite',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/subusers/invitations',
    summary: 'Invite a sub-user by email',
    params: emailParam,
    body: inviteSubuserInput.omit({ admin_email: true }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${String(i.body.subuser_email)}`,
    handle: async (ctx, i) =>
      ok(
        await ctx.e2.subusers.invite({
          ...(i.body as z.infer<typeof inviteSubuserInput>),
          admin_email: p(i, 'email'),
        }),
        201,
      ),
  },
  {
    id: 'subusers.cancelInvite',
    role: 'operator',
    method: 'DELETE',
    path: '/users/{email}/subusers/invitations/{subuserEmail}',
    summary: 'Cancel a pending sub-user invitation',
    params: emailParam.extend({ subuserEmail: email }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'subuserEmail')}`,
    handle: async (ctx, i) => {
      await ctx.e2.subusers.cancelInvite(p(i, 'email'), p(i, 'subuserEmail'));
      return ok({ cancelled: true });
    },
  },
  {
    id: 'subusers.update',
    role: 'operator',
    method: 'PATCH',
    path: '/users/{email}/subusers/{subuserEmail}',
    summary: "Update a sub-user's permissions, access, SSO and sessions (only the fields given)",
    params: emailParam.extend({ subuserEmail: email }),
    body: updateSubuserInput.omit({ admin_email: true, subuser_email: true }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'subuserEmail')}`,
    handle: async (ctx, i) => {
      await ctx.e2.subusers.update({
        ...(i.body as object),
        admin_email: p(i, 'email'),
        subuser_email: p(i, 'subuserEmail'),
      });
      return ok({ updated: true });
    },
  },
  ...(['disable', 'enable'] as const).map(
    (action): Route => ({
      id: `subusers.${action}`,
      role: 'operator',
      method: 'POST',
      path: `/users/{email}/subusers/{subuserEmail}/${action}`,
      summary: `${action === 'disable' ? 'Disable' : 'Enable'} a sub-user`,
      params: emailParam.extend({ subuserEmail: email }),
      body: z.object({ email_notification: z.boolean().optional() }).strict(),
      mutating: true,
      target: (i) => `${p(i, 'email')} ${p(i, 'subuserEmail')}`,
      handle: async (ctx, i) => {
        const args = {
          subuserEmail: p(i, 'subuserEmail'),
          ...(typeof i.body.email_notification === 'boolean'
            ? { emailNotification: i.body.email_notification }
            : {}),
        };
        await ctx.e2.subusers[action](p(i, 'email'), args);
        return ok({ [action === 'disable' ? 'disabled' : 'enabled']: true });
      },
    }),
  ),
  {
    id: 'subusers.remove',
    role: 'admin',
    method: 'DELETE',
    path: '/users/{email}/subusers/{subuserEmail}',
    summary: 'Remove a disabled sub-user, permanently',
    params: emailParam.extend({ subuserEmail: email }),
    body: z.object({ ...confirmField, email_notification: z.boolean().optional() }).strict(),
    mutating: true,
    confirm: 'subuserEmail',
    target: (i) => `${p(i, 'email')} ${p(i, 'subuserEmail')}`,
    handle: async (ctx, i) => {
      await ctx.e2.subusers.remove(p(i, 'email'), { subuserEmail: p(i, 'subuserEmail') });
      return ok({ removed: true });
    },
  },
  {
    id: 'subusers.activity',
    role: 'operator',
    method: 'GET',
    path: '/users/{email}/subusers/{subuserEmail}/activity',
    summary: "One page of a sub-user's activity log",
    params: emailParam.extend({ subuserEmail: email }),
    query: dayRangeQuery(366, { page: pageNumber }),
    mutating: false,
    handle: async (ctx, i) => {
      const q = i.query as { from: string; to: string; page: number };
      return ok(
        await ctx.e2.subusers.activityPage(p(i, 'email'), p(i, 'subuserEmail'), q.from, q.to, q.page),
      );
    },
  },
  {
    id: 'reports.list',
    role: 'viewer',
    method: 'GET',
    path: '/reports',
    summary: "A month's reports with download links valid for 15 minutes",
    query: z.object({ month: calendarMonth }).strict(),
    mutating: false,
    handle: async (ctx, i) => {
      const reports: { key: string; url: string }[] = [];
      for await (const { store, key } of monthReports(ctx, String(i.query.month))) {
        reports.push({ key, url: await store.presignGet(key, 900) });
      }
      return ok({ month: i.query.month, expiresInSeconds: 900, reports });
    },
  },
  {
    id: 'runs.start',
    role: 'operator',
    method: 'POST',
    path: '/runs',
    summary: 'Start a backfill collection of from..to',
    body: z
      .object({
        from: calendarDay,
        to: calendarDay,
        /** Only the days not stored yet; by default every day of the range is collected again. */
        onlyMissing: z.boolean().optional(),
      })
      .strict(),
    mutating: true,
    target: (i) => `${String(i.body.from)}..${String(i.body.to)}`,
    // Bounded and complete days only: refused before a run is recorded, audited or started.
    check: (ctx, i) => {
      const yesterday = minusDays(utcToday(ctx.now()), 1);
      const range = { from: String(i.body.from), to: String(i.body.to) };
      const issues = rangeIssues(range, { maxDays: ctx.limits.maxRunDays, latest: yesterday });
      if (issues.length > 0)
        throw badRequest(
          `invalid body: ${issues.map((x) => `body.${x.path}: ${x.message}`).join('; ')}`,
          issues.map((x) => ({ field: `body.${x.path}`, message: x.message })),
        );
    },
    handle: async (ctx, i) => {
      const request = {
        kind: 'backfill',
        from: String(i.body.from),
        to: String(i.body.to),
        onlyMissing: i.body.onlyMissing === true,
      } as const;
      // The id is the run record's, the execution's name and what GET /runs/{runId} takes.
      const runId = newRunId(ctx.now());
      const queued = queuedRun(runId, request, ctx.now());
      await ctx.ledger.putRun(queued);
      let started: { executionArn: string | null };
      try {
        started = await ctx.launcher.start(request, runId);
      } catch (error) {
        await ctx.ledger.putRun({ ...queued, status: 'failed', error: 'the run could not be started' });
        throw error;
      }
      return ok({ runId, executionArn: started.executionArn, status: 'queued' }, 202);
    },
  },
  {
    id: 'runs.get',
    role: 'viewer',
    method: 'GET',
    path: '/runs/{runId}',
    summary: "A run's summary and per-user failures",
    params: z.object({ runId: z.string().regex(RUN_ID_PATTERN, 'is not a run id') }),
    mutating: false,
    handle: async (ctx, i) => {
      const run = await ctx.ledger.getRun(p(i, 'runId'));
      if (!run) throw new HttpError(404, 'run_not_found', `no run ${p(i, 'runId')}`);
      // Each failure says whether a later run has stored its day since.
      return ok({
        run,
        failures: await failuresWithResolution(ctx.ledger, await ctx.ledger.userOutcomes(run.runId)),
      });
    },
  },
  {
    id: 'status',
    role: 'viewer',
    method: 'GET',
    path: '/status',
    summary: 'Last nightly, user-days still missing, the oldest unresolved failure, what runs next',
    mutating: false,
    handle: async (ctx) =>
      ok(await ledgerStatus({ ...ctx.status, ledger: ctx.ledger, objects: ctx.objects, now: ctx.now })),
  },
  {
    id: 'audit.list',
    role: 'admin',
    method: 'GET',
    path: '/audit',
    summary:
      'Audit records of admin changes, oldest first (without from/to: today and the 6 days before, UTC)',
    query: z
      .object({ from: calendarDay.optional(), to: calendarDay.optional() })
      .strict()
      .superRefine((q, ctx) => {
        if ((q.from === undefined) !== (q.to === undefined))
          ctx.addIssue({
            code: 'custom',
            path: [q.from ? 'to' : 'from'],
            message: 'from and to go together',
          });
        else if (q.from && q.to)
          for (const issue of rangeIssues({ from: q.from, to: q.to }, { maxDays: 93 }))
            ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
      }),
    mutating: false,
    handle: async (ctx, i) => {
      const today = utcToday(ctx.now());
      const from = (i.query.from as string | undefined) ?? minusDays(today, 6);
      const to = (i.query.to as string | undefined) ?? today;
      return ok({ from, to, records: await ctx.ledger.auditRecords(from, to) });
    },
  },
];
