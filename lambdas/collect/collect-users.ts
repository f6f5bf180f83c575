import pLimit from 'p-limit';
import pMap from 'p-map';
import { daysBetween, plusDays, utcToday } from '../calendar/days.ts';
import type { DayFailure, UsageSnapshot, UserRunOutcome } from '../ledger/model.ts';
import type { Customer } from '../ledger/usage-source.ts';
import { type ApiSlots, collectUserDays, failureOf } from './collect-user.ts';
import type { RunDeps } from './run-record.ts';
import { SnapshotBatcher } from './snapshot-batcher.ts';
import { type CollectionRequest, daysToCollect, userRange } from './window.ts';

/** Step 2: collect a set of users (all of them on a laptop; one batch per Lambda in AWS). */
export async function collectUsers(
  deps: RunDeps,
  request: CollectionRequest,
  runId: string,
  users: readonly Customer[],
  /** Each user's catch-up cursor (`collectedThrough` from the directory). */
  cursors: ReadonlyMap<string, string | null>,
  options: {
    /**
     * Read what is already stored for every user at once, one index query per day. Right when the
     * batch is (nearly) every user, as on a laptop; a Lambda batch of a few users queries per user.
     */
    prefetchStoredDays?: boolean;
    /**
     * The directory refresh of startRun when it was left running beside the collection: a user's
     * cursor moves only once its profile is written (a new user's cursor needs its profile).
     */
    directoryWritten?: Promise<void>;
  } = {},
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
  // `concurrency` requests are in flight to IDrive at once, for whichever users and days: the API is
  // the limit. Twice as many users are under way, so a user storing its days and moving its cursor
  // never holds an API slot; that bound also bounds memory.
  const writes: UserWrites = {
    // Users collected at once share BatchWriteItem calls for their snapshots. A part-filled batch
    // waits 10 ms for more users' days: fewer, fuller BatchWriteItem calls.
    snapshots: new SnapshotBatcher(deps.ledger, 10),
    directoryWritten: options.directoryWritten ?? Promise.resolve(),
  };
  const slots: ApiSlots = pLimit(deps.concurrency);
  let done = 0;
  const before = { ...deps.source.stats };
  const outcomes = await pMap(
    users,
    async (user): Promise<UserRunOutcome> => {
      const outcome = await collectOne(
        deps,
        slots,
        writes,
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
    { concurrency: 2 * deps.concurrency, ...(deps.signal ? { signal: deps.signal } : {}) },
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

type UserWrites = {
  readonly snapshots: { put(items: readonly UsageSnapshot[]): Promise<void> };
  readonly directoryWritten: Promise<void>;
};

async function collectOne(
  deps: RunDeps,
  slots: ApiSlots,
  writes: UserWrites,
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
      await writes.directoryWritten;
      await advanceCursor(deps, user.email, cursor, range, stored, createdDay);
      return { ...base, outcome: 'stored' };
    }
    const result = await collectUserDays(
      deps,
      {
        runId,
        email: user.email,
        createdDay,
        isActive: user.isActive,
        isSignedUp: user.isSignedUp,
        storageQuotaGb: user.storageQuotaGb,
        days,
      },
      slots,
    );
    // The days first, then the cursor: a cursor never moves past a day that is not stored.
    if (result.snapshots.length > 0) await writes.snapshots.put(result.snapshots);
    await writes.directoryWritten;
    // Stored now: what was there before, plus what this run stored (no second query).
    const storedNow = new Set([...stored, ...result.snapshots.map((snapshot) => snapshot.day)]);
    await advanceCursor(deps, user.email, cursor, range, storedNow, createdDay);
    const outcome =
      result.failures.length === 0 ? 'stored' : result.snapshots.length === 0 ? 'failed' : 'partial';
    return {
      ...base,
      outcome,
      daysPlanned: days,
      daysStored: result.snapshots.length,
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
