import { contiguousChunks } from '../calendar/days.ts';
import type { DayFailure, UsageSnapshot } from '../ledger/model.ts';
import type { DirectoryStore, ObjectStore, RunStore, SnapshotStore } from '../ledger/ports.ts';
import { type DailyUsage, type UsageSource, UsageSourceError } from '../ledger/usage-source.ts';
import { csvRows } from '../reports/csv.ts';
import { reportKeys } from '../reports/layout.ts';

/** The longest range asked of usage_stats at once; longer backfills are split. */
export const USAGE_CHUNK_DAYS = 31;

export type CollectDeps = {
  readonly source: UsageSource;
  readonly ledger: SnapshotStore & DirectoryStore & RunStore;
  /** Where larger activity days are staged (the reports bucket). */
  readonly objects: ObjectStore;
  readonly now: () => Date;
  /** Attempts per user-day for failures that may pass (after the transport's own retries). */
  readonly dayAttempts?: number;
  /** Stops the run between days (a service shutting down); what is stored stays stored. */
  readonly signal?: AbortSignal;
};

export type CollectUserInput = {
  readonly runId: string;
  readonly email: string;
  readonly createdDay: string | null;
  readonly isActive: boolean;
  readonly isSignedUp: boolean;
  readonly storageQuotaGb: number;
  readonly days: readonly string[];
};

export type CollectUserResult = {
  /** One snapshot per complete day, not yet written: the caller stores them, then moves the cursor. */
  readonly snapshots: UsageSnapshot[];
  readonly failures: DayFailure[];
  readonly activityRows: number;
};

/**
 * Runs one IDrive call (with its retries) in one of the run's API slots: the run's concurrency is
 * the number of requests in flight to IDrive, whichever users and days they are for.
 */
export type ApiSlots = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * Asks IDrive for one user's days: usage_stats per chunk of days, then every activity page of each
 * day, the days side by side in the run's API slots (a user with heavy days never leaves the other
 * slots idle at the end of a run). Builds one snapshot per complete day. A day's activity part is in
 * S3 before the snapshot exists, so a stored snapshot always means a complete day; a failure leaves
 * the day missing and recorded, never zero. Writing the snapshots is the caller's
 * (collect-users.ts), after the IDrive work, so the next requests need not wait for those writes.
 */
export async function collectUserDays(
  deps: CollectDeps,
  input: CollectUserInput,
  slots: ApiSlots = (call) => call(),
): Promise<CollectUserResult> {
  const attempts = deps.dayAttempts ?? 2;
  const outcomes: DayOutcome[] = [];
  for (const chunk of contiguousChunks(input.days, USAGE_CHUNK_DAYS)) {
    // Days before the account existed have no usage to ask for.
    const askFrom = input.createdDay && input.createdDay > chunk.from ? input.createdDay : chunk.from;
    let usage = new Map<string, DailyUsage>();
    if (askFrom <= chunk.to) {
      const result = await slots(() =>
        withAttempts(attempts, () => deps.source.dailyUsage(input.email, askFrom, chunk.to)),
      );
      if (!result.ok) {
        for (const day of chunk.days)
          outcomes.push({ day, ...failureOf(result.error), attempts: result.attempts });
        continue;
      }
      usage = new Map(result.value.map((row) => [row.day, row]));
    }
    outcomes.push(
      ...(await Promise.all(chunk.days.map((day) => collectDay(deps, input, day, usage, slots, attempts)))),
    );
  }
  // Day order, whatever order the days finished in: run records and exports stay reproducible.
  const snapshots: UsageSnapshot[] = [];
  const failures: DayFailure[] = [];
  let activityRows = 0;
  for (const outcome of outcomes.sort((a, b) => (a.day < b.day ? -1 : 1))) {
    if ('snapshot' in outcome) {
      snapshots.push(outcome.snapshot);
      activityRows += outcome.snapshot.activityCount;
    } else failures.push(outcome);
  }
  return { snapshots, failures, activityRows };
}

type DayOutcome = { day: string; snapshot: UsageSnapshot } | DayFailure;

async function collectDay(
  deps: CollectDeps,
  input: CollectUserInput,
  day: string,
  usage: ReadonlyMap<string, DailyUsage>,
  slots: ApiSlots,
  attempts: number,
): Promise<DayOutcome> {
  const row = usage.get(day);
  const beforeCreation = input.createdDay !== null && day < input.createdDay;
  if (!row && !beforeCreation)
    return {
      day,
      code: 'no_usage_row',
      message: 'usage_stats returned no row for a day the account existed',
      attempts: 1,
    };
  let count = 0;
  let inlineCsv: string | undefined;
  if (!beforeCreation) {
    const activity = await slots(() => {
      deps.signal?.throwIfAborted();
      return withAttempts(attempts, () => fetchActivity(deps, input.email, day));
    });
    if (!activity.ok) return { day, ...failureOf(activity.error), attempts: activity.attempts };
    count = activity.value.count;
    if (Buffer.byteLength(activity.value.csv, 'utf8') <= INLINE_ACTIVITY_BYTES) {
      if (count > 0) inlineCsv = activity.value.csv;
    } else {
      // Parts are rewritten whole on every collection of the day, so re-runs never duplicate rows.
      // One user-day is small (thousands of rows at most): a single PUT beats a multipart upload.
      // Written outside the API slot: S3 is not IDrive.
      try {
        await deps.objects.putText(
          reportKeys.activityPart(day, input.email),
          activity.value.csv,
          'text/csv; charset=utf-8',
        );
      } catch (error) {
        return { day, ...failureOf(error), attempts: 1 };
      }
    }
  }
  return {
    day,
    snapshot: {
      email: input.email,
      day,
      diskUsedBytes: row?.diskUsedBytes ?? 0,
      uploadedBytes: row?.uploadedBytes ?? 0,
      downloadedBytes: row?.downloadedBytes ?? 0,
      storageQuotaGb: input.storageQuotaGb,
      isActive: input.isActive,
      isSignedUp: input.isSignedUp,
      activityCount: count,
      ...(inlineCsv !== undefined ? { activityCsv: inlineCsv } : {}),
      usageSource: row ? 'api' : 'before_creation',
      runId: input.runId,
      collectedAt: deps.now().toISOString(),
    },
  };
}

/**
 * Activity rows of up to this many bytes travel inside the snapshot item; larger days go to an S3
 * part. At 4 KB a DynamoDB write costs about what an S3 PUT does, and it saves a PUT and a GET.
 */
export const INLINE_ACTIVITY_BYTES = 4_000;

/** Every activity page of one user-day, as CSV rows. */
async function fetchActivity(
  deps: CollectDeps,
  email: string,
  day: string,
): Promise<{ count: number; csv: string }> {
  let total = 0;
  const chunks: string[] = [];
  for await (const page of deps.source.activity(email, day)) {
    total = page.totalRecords;
    chunks.push(csvRows(page.records.map((r) => [day, email, r.timestamp, r.ip, r.description])));
  }
  return { count: total, csv: total === 0 ? '' : chunks.join('') };
}

type Attempted<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: unknown; attempts: number };

async function withAttempts<T>(max: number, fn: () => Promise<T>): Promise<Attempted<T>> {
  let last: unknown;
  for (let attempt = 1; attempt <= max; attempt++) {
    try {
      return { ok: true, value: await fn(), attempts: attempt };
    } catch (error) {
      last = error;
      if (!(error instanceof UsageSourceError && error.transient))
        return { ok: false, error, attempts: attempt };
    }
  }
  return { ok: false, error: last, attempts: max };
}

/** A failure's code and message for the run record: the source's own code when there is one. */
export function failureOf(error: unknown): { code: string; message: string } {
  if (error instanceof UsageSourceError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: error.name, message: error.message };
  return { code: 'unknown', message: String(error) };
}
