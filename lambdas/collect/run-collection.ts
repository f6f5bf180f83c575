import { randomBytes } from 'node:crypto';
import pMap from 'p-map';
import { daysBetween, plusDays, utcToday } from '../calendar/days.ts';
import type { DayFailure, RunSummary, UserProfile, UserRunOutcome } from '../ledger/model.ts';
import type { AuditTrail, ObjectStore, RunStore } from '../ledger/ports.ts';
import type { Customer } from '../ledger/usage-source.ts';
import {
  type ExportDeps,
  writeAdminAudit,
  writeDailyActivity,
  writeDailyUsage,
} from '../reports/daily-exports.ts';
import { type CollectDeps, collectUser, failureOf } from './collect-user.ts';
import { SnapshotBatcher } from './snapshot-batcher.ts';
import { type CollectionRequest, daysToCollect, runRange, userRange, type WindowSettings } from './window.ts';

export type RunDeps = Omit<CollectDeps, 'ledger'> & {
  /** Collection writes snapshots, profiles and runs; closing a run exports the day's audit trail. */
  readonly ledger: CollectDeps['ledger'] & AuditTrail;
  /** Where audit exports go (the Object Lock bucket in AWS); defaults to `objects`. */
  readonly auditObjects?: ObjectStore;
  readonly settings: WindowSettings;
  /** Users collected at once; the IDrive API's rate is the limit, so this is a setting. */
  readonly concurrency: number;
  readonly onProgress?: (event: {
    usersDone: number;
    usersTotal: number;
    email: string;
    outcome: UserRunOutcome['outcome'];
  }) => void;
};

/** What closing a run needs: no IDrive access, so the finalize Lambda holds no API token. */
export type FinalizeDeps = Omit<ExportDeps, 'ledger'> & {
  readonly ledger: ExportDeps['ledger'] & Pick<RunStore, 'getRun' | 'putRun'>;
  readonly now: () => Date;
};

export type RunResult = { readonly summary: RunSummary; readonly outcomes: UserRunOutcome[] };

export function newRunId(now: Date): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

/** A run record before it starts: what the admin API stores when it asks for a backfill. */
export function queuedRun(
  runId: string,
  request: Extract<CollectionRequest, { kind: 'backfill' }>,
  now: Date,
): RunSummary {
  return {
    ...emptyRun(runId, request.kind, now, request),
    status: 'queued',
    onlyMissing: Boolean(request.onlyMissing),
  };
}

function emptyRun(
  runId: string,
  kind: RunSummary['kind'],
  now: Date,
  range: { from: string; to: string },
): RunSummary {
  return {
    runId,
    kind,
    executionArn: null,
    startedAt: now.toISOString(),
    finishedAt: null,
    from: range.from,
    to: range.to,
    status: 'running',
    users: 0,
    usersCollected: 0,
    usersSkipped: 0,
    usersFailed: 0,
    userDaysStored: 0,
    userDaysFailed: 0,
    activityRows: 0,
    apiRequests: 0,
    apiRetries: 0,
    exportedDays: [],
    catchUpDays: [],
    onlyMissing: false,
    error: null,
  };
}

/** Step 1: open the run record, list every user and refresh the user directory. */
export async function startRun(
  deps: RunDeps,
  request: CollectionRequest,
  ids: {
    /** Given when the caller already promised an id (the admin API's backfills). */
    readonly runId?: string | undefined;
    /** The Step Functions execution running it, in AWS. */
    readonly executionArn?: string | undefined;
  } = {},
): Promise<{ summary: RunSummary; users: Customer[]; profiles: UserProfile[] }> {
  const now = deps.now();
  const range = runRange(request, utcToday(now), deps.settings);
  const summary: RunSummary = {
    ...emptyRun(ids.runId ?? newRunId(now), request.kind, now, range),
    executionArn: ids.executionArn ?? null,
    onlyMissing: request.kind === 'backfill' && Boolean(request.onlyMissing),
  };
  await deps.ledger.putRun(summary);
  let users: Customer[];
  const before = { ...deps.source.stats };
  try {
    users = await deps.source.customers();
  } catch (error) {
    summary.status = 'failed';
    const { code, message } = failureOf(error);
    summary.error = `listing users failed: ${code}: ${message}`;
    summary.finishedAt = deps.now().toISOString();
    await deps.ledger.putRun(summary);
    throw new RunFailedError(summary);
  }
  summary.users = users.length;
  await deps.ledger.addRunApiStats(
    summary.runId,
    deps.source.stats.requests - before.requests,
    deps.source.stats.retries - before.retries,
  );
  const profiles = await refreshDirectory(deps, users, now.toISOString());
  return { summary, users, profiles };
}

export class RunFailedError extends Error {
  override name = 'RunFailedError';
  constructor(readonly summary: RunSummary) {
    super(summary.error ?? 'run failed');
  }
}

async function refreshDirectory(
  deps: RunDeps,
  users: readonly Customer[],
  nowIso: string,
): Promise<UserProfile[]> {
  const existing = new Map((await deps.ledger.listProfiles()).map((p) => [p.email, p]));
  const listed = new Set(users.map((u) => u.email));
  const profiles: UserProfile[] = users.map((u) => {
    const before = existing.get(u.email);
    return {
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      accountCreatedAt: u.accountCreatedAt,
      createdDay: u.createdDay,
      isSignedUp: u.isSignedUp,
      isActive: u.isActive,
      firstSeenAt: before?.firstSeenAt ?? nowIso,
      lastSeenAt: nowIso,
      removedAt: null,
      collectedThrough: before?.collectedThrough ?? null,
    };
  });
  for (const [email, before] of existing) {
    if (!listed.has(email)) profiles.push({ ...before, removedAt: before.removedAt ?? nowIso });
  }
  await deps.ledger.putProfiles(profiles.map(({ collectedThrough: _c, ...p }) => p));
  return profiles;
}

/** Step 2: collect a set of users (all of them on a laptop; one batch per Lambda in AWS). */
export async function collectUsers(
  deps: RunDeps,
  request: CollectionRequest,
  runId: string,
  users: readonly Customer[],
  /** Each user's catch-up cursor (`collectedThrough` from the directory). */
  cursors: ReadonlyMap<string, string | null>,
  /**
   * Read what is already stored for every user at once, one index query per day. Right when the
   * batch is (nearly) every user, as on a laptop; a Lambda batch of a few users queries per user.
   */
  options: { prefetchStoredDays?: boolean } = {},
): Promise<UserRunOutcome[]> {
  const today = utcToday(deps.now());
  const storedDays = await storedDaysLookup(
    deps,
    request,
    today,
    users,
    cursors,
    options.prefetchStoredDays ?? false,
  );
  // Users collected at once share BatchWriteItem calls for their snapshots.
  const batched: RunDeps = { ...deps, snapshotWriter: new SnapshotBatcher(deps.ledger) };
  let done = 0;
  const before = { ...deps.source.stats };
  const outcomes = await pMap(
    users,
    async (user): Promise<UserRunOutcome> => {
      const outcome = await collectOne(
        batched,
        request,
        runId,
        today,
        user,
        cursors.get(user.email) ?? null,
        storedDays,
      );
      done++;
      deps.onProgress?.({
        usersDone: done,
        usersTotal: users.length,
        email: user.email,
        outcome: outcome.outcome,
      });
      return outcome;
    },
    { concurrency: deps.concurrency, ...(deps.signal ? { signal: deps.signal } : {}) },
  );
  await deps.ledger.putUserOutcomes(outcomes);
  await deps.ledger.addRunApiStats(
    runId,
    deps.source.stats.requests - before.requests,
    deps.source.stats.retries - before.retries,
  );
  return outcomes;
}

type StoredDaysLookup = (email: string, range: { from: string; to: string }) => Promise<Set<string>>;

const MAX_PREFETCH_DAYS = 93;

async function storedDaysLookup(
  deps: RunDeps,
  request: CollectionRequest,
  today: string,
  users: readonly Customer[],
  cursors: ReadonlyMap<string, string | null>,
  prefetch: boolean,
): Promise<StoredDaysLookup> {
  const perUser: StoredDaysLookup = (email, range) => deps.ledger.storedDays(email, range.from, range.to);
  const ranges = users
    .filter((u) => u.isSignedUp)
    .map((u) => userRange(request, today, deps.settings, cursors.get(u.email) ?? null));
  if (!prefetch || ranges.length === 0) return perUser;
  const bounds = ranges.flatMap((r) => [r.from, r.to]).sort(); // yyyy-MM-dd sorts as dates
  const from = bounds[0]!;
  const to = bounds.at(-1)!;
  if (daysBetween(from, to).length > MAX_PREFETCH_DAYS) return perUser;
  const byUser = await deps.ledger.storedDaysByUser(from, to);
  return async (email, range) =>
    new Set([...(byUser.get(email) ?? [])].filter((d) => d >= range.from && d <= range.to));
}

async function collectOne(
  deps: RunDeps,
  request: CollectionRequest,
  runId: string,
  today: string,
  user: Customer,
  cursor: string | null,
  storedDaysOf: StoredDaysLookup,
): Promise<UserRunOutcome> {
  const base = {
    runId,
    email: user.email,
    reason: null,
    daysPlanned: [] as string[],
    daysStored: 0,
    failures: [] as DayFailure[],
    activityRows: 0,
  };
  if (!user.isSignedUp) return { ...base, outcome: 'skipped', reason: 'not_signed_up' };
  const range = userRange(request, today, deps.settings, cursor);
  let days: string[] = [];
  try {
    const stored = await storedDaysOf(user.email, range);
    // Days before the account existed have nothing to collect: they are never stored (one typo in
    // a range must not write years of empty days), and invoices count them as collected on read.
    const createdDay = user.createdDay;
    days = daysToCollect(request, range, today, deps.settings, stored).filter(
      (d) => createdDay === null || d >= createdDay,
    );
    if (days.length === 0) {
      await advanceCursor(deps, user.email, cursor, range, stored, createdDay);
      return { ...base, outcome: 'stored' };
    }
    const result = await collectUser(deps, {
      runId,
      email: user.email,
      createdDay,
      isActive: user.isActive,
      isSignedUp: user.isSignedUp,
      storageQuotaGb: user.storageQuotaGb,
      days,
    });
    // Stored now: what was there before, plus what this run stored (no second query).
    const storedNow = new Set([...stored, ...result.stored.map((snapshot) => snapshot.day)]);
    await advanceCursor(deps, user.email, cursor, range, storedNow, createdDay);
    const outcome =
      result.failures.length === 0 ? 'stored' : result.stored.length === 0 ? 'failed' : 'partial';
    return {
      ...base,
      outcome,
      daysPlanned: days,
      daysStored: result.stored.length,
      failures: result.failures,
      activityRows: result.activityRows,
    };
  } catch (error) {
    // A store failure (DynamoDB or S3 down) fails this user's days; the others carry on.
    const { code, message } = failureOf(error);
    return {
      ...base,
      outcome: 'failed',
      daysPlanned: days,
      failures: days.map((day) => ({ day, code, message, attempts: 1 })),
    };
  }
}

/** The cursor moves to the last day of an unbroken run of stored days after it (days before creation need none). */
async function advanceCursor(
  deps: RunDeps,
  email: string,
  cursor: string | null,
  range: { from: string; to: string },
  stored: ReadonlySet<string>,
  createdDay: string | null,
) {
  const start = cursor === null ? range.from : plusDays(cursor, 1);
  const done = (day: string) => stored.has(day) || (createdDay !== null && day < createdDay);
  let through: string | null = null;
  for (let day = start; day <= range.to && done(day); day = plusDays(day, 1)) through = day;
  if (through) await deps.ledger.advanceCursor(email, through);
}

/** Step 3: write the daily usage and audit exports for every day the run touched, then close the run. */
export async function finalizeRun(
  deps: FinalizeDeps,
  summary: RunSummary,
  outcomes: readonly UserRunOutcome[],
  profiles: readonly UserProfile[],
  days: readonly string[],
): Promise<RunSummary> {
  try {
    await pMap(
      [...days].sort(),
      async (day) => {
        await writeDailyUsage(deps, day, summary.runId, profiles);
        await writeDailyActivity(deps, day, summary.runId, profiles);
        await writeAdminAudit(deps, day);
      },
      { concurrency: 4 },
    );
    summary.exportedDays = [...days].sort();
  } catch (error) {
    summary.error = `exports failed: ${failureOf(error).code}: ${failureOf(error).message}`;
  }
  summary.catchUpDays = [...days].filter((d) => d < summary.from).sort();
  summary.usersCollected = outcomes.filter((o) => o.outcome === 'stored').length;
  summary.usersSkipped = outcomes.filter((o) => o.outcome === 'skipped').length;
  summary.usersFailed = outcomes.filter((o) => o.outcome === 'failed' || o.outcome === 'partial').length;
  summary.userDaysStored = outcomes.reduce((n, o) => n + o.daysStored, 0);
  summary.userDaysFailed = outcomes.reduce((n, o) => n + o.failures.length, 0);
  summary.activityRows = outcomes.reduce((n, o) => n + o.activityRows, 0);
  // Batches add their API counters to the stored run (atomic ADD): read them back.
  const counters = await deps.ledger.getRun(summary.runId);
  summary.apiRequests = counters?.apiRequests ?? 0;
  summary.apiRetries = counters?.apiRetries ?? 0;
  summary.status = summary.userDaysFailed === 0 && summary.error === null ? 'succeeded' : 'failed';
  summary.finishedAt = deps.now().toISOString();
  await deps.ledger.putRun(summary);
  return summary;
}

/**
 * Outcomes for the users a run listed but never collected: their batch failed outright (a Lambda
 * error past its retries, tolerated by the Distributed Map). Each day the run would have collected
 * for them is recorded failed (a day stored earlier keeps that snapshot), as a failed collection of
 * the day would be, so the run says so and the next run collects it.
 */
export async function outcomesOfUncollected(
  deps: Pick<RunDeps, 'ledger' | 'settings'>,
  summary: RunSummary,
  listed: readonly (Customer & { collectedThrough: string | null })[],
  outcomes: readonly UserRunOutcome[],
): Promise<UserRunOutcome[]> {
  const seen = new Set(outcomes.map((o) => o.email));
  const request: CollectionRequest =
    summary.kind === 'nightly'
      ? { kind: 'nightly' }
      : { kind: 'backfill', from: summary.from, to: summary.to, onlyMissing: summary.onlyMissing ?? false };
  const today = utcToday(new Date(summary.startedAt));
  const missing: UserRunOutcome[] = [];
  for (const user of listed) {
    if (seen.has(user.email)) continue;
    const base = { runId: summary.runId, email: user.email, daysStored: 0, activityRows: 0 };
    if (!user.isSignedUp) {
      missing.push({ ...base, outcome: 'skipped', reason: 'not_signed_up', daysPlanned: [], failures: [] });
      continue;
    }
    const range = userRange(request, today, deps.settings, user.collectedThrough);
    const stored = await deps.ledger.storedDays(user.email, range.from, range.to);
    // What the batch would have collected: missing days and the re-collection window, stored or not.
    const createdDay = user.createdDay;
    const days = daysToCollect(request, range, today, deps.settings, stored).filter(
      (d) => createdDay === null || d >= createdDay,
    );
    missing.push({
      ...base,
      outcome: days.length === 0 ? 'stored' : 'failed',
      reason: null,
      daysPlanned: days,
      failures: days.map((day) => ({
        day,
        code: 'batch_failed',
        message: 'the batch collecting this user failed after its retries; the next run collects the day',
        attempts: 1,
      })),
    });
  }
  if (missing.length > 0) await deps.ledger.putUserOutcomes(missing);
  return missing;
}

/** The days whose exports a run (re)writes: its whole range, plus any catch-up day a user planned. */
export function exportDays(summary: RunSummary, outcomes: readonly UserRunOutcome[]): string[] {
  const days = new Set<string>();
  for (const o of outcomes) for (const d of o.daysPlanned) days.add(d);
  for (let d = summary.from; d <= summary.to; d = plusDays(d, 1)) days.add(d);
  return [...days].sort();
}

/** Steps 2 and 3 for a run already started: collect every user, then finalize. */
export async function completeRun(
  deps: RunDeps,
  request: CollectionRequest,
  started: Awaited<ReturnType<typeof startRun>>,
): Promise<RunResult> {
  const { summary, users, profiles } = started;
  const cursors = new Map(profiles.map((p) => [p.email, p.collectedThrough]));
  try {
    const outcomes = await collectUsers(deps, request, summary.runId, users, cursors, {
      prefetchStoredDays: true,
    });
    const finished = await finalizeRun(deps, summary, outcomes, profiles, exportDays(summary, outcomes));
    return { summary: finished, outcomes };
  } catch (error) {
    summary.status = 'failed';
    if (deps.signal?.aborted) {
      summary.error =
        'the run was interrupted (the service stopped); every user-day stored so far is kept, and the same backfill with onlyMissing completes the rest';
    } else {
      // The stores themselves failed (a user's own failures never get here): say so, keep what is stored.
      const { code, message } = failureOf(error);
      summary.error = `the run stopped because the ledger store failed (${code}: ${message}); every user-day stored so far is kept, and running the same collection again completes the rest`;
    }
    summary.finishedAt = deps.now().toISOString();
    await deps.ledger.putRun(summary).catch(() => undefined); // the store may still be down
    throw new RunFailedError(summary);
  }
}

/** The whole run in one process: the CLI and the embedded default. */
export async function runCollection(deps: RunDeps, request: CollectionRequest): Promise<RunResult> {
  return completeRun(deps, request, await startRun(deps, request));
}
