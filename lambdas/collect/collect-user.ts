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
  /** Shares BatchWriteItem calls between users collected at once; the ledger directly when absent. */
  readonly snapshotWriter?: { put(items: readonly UsageSnapshot[]): Promise<void> };
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
  readonly stored: UsageSnapshot[];
  readonly failures: DayFailure[];
  readonly activityRows: number;
};

/**
 * Collects one user's days: usage_stats per chunk of days, every activity page per day, then one
 * snapshot per day. A day's activity part is in S3 before its snapshot is written, so a stored
 * snapshot always means a complete day; a failure leaves the day missing and recorded, never zero.
 */
export async function collectUser(deps: CollectDeps, input: CollectUserInput): Promise<CollectUserResult> {
  const attempts = deps.dayAttempts ?? 2;
  const failures: DayFailure[] = [];
  const stored: UsageSnapshot[] = [];
  let activityRows = 0;

  for (const chunk of contiguousChunks(input.days, USAGE_CHUNK_DAYS)) {
    // Days before the account existed have no usage to ask for.
    const askFrom = input.createdDay && input.createdDay > chunk.from ? input.createdDay : chunk.from;
    let usage = new Map<string, DailyUsage>();
    if (askFrom <= chunk.to) {
      const result = await withAttempts(attempts, () =>
        deps.source.dailyUsage(input.email, askFrom, chunk.to),
      );
      if (!result.ok) {
        for (const day of chunk.days)
          failures.push({ day, ...failureOf(result.error), attempts: result.attempts });
        continue;
      }
      usage = new Map(result.value.map((row) => [row.day, row]));
    }

    for (const day of chunk.days) {
      deps.signal?.throwIfAborted();
      const row = usage.get(day);
      const beforeCreation = input.createdDay !== null && day < input.createdDay;
      if (!row && !beforeCreation) {
        failures.push({
          day,
          code: 'no_usage_row',
          message: 'usage_stats returned no row for a day the account existed',
          attempts: 1,
        });
        continue;
      }
      let count = 0;
      let inlineCsv: string | undefined;
      if (!beforeCreation) {
        const activity = await withAttempts(attempts, () => stageActivity(deps, input.email, day));
        if (!activity.ok) {
          failures.push({ day, ...failureOf(activity.error), attempts: activity.attempts });
          continue;
        }
        count = activity.value.count;
        inlineCsv = activity.value.inlineCsv;
      }
      activityRows += count;
      stored.push({
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
      });
    }
  }
  if (stored.length > 0)
    await (deps.snapshotWriter ? deps.snapshotWriter.put(stored) : deps.ledger.putSnapshots(stored));
  return { stored, failures, activityRows };
}

/**
 * Activity rows of up to this many bytes travel inside the snapshot item; larger days go to an S3
 * part. At 4 KB a DynamoDB write costs about what an S3 PUT does, and it saves a PUT and a GET.
 */
export const INLINE_ACTIVITY_BYTES = 4_000;

/** Fetches every activity page of one user-day as CSV rows: inline when small, else one S3 part. */
async function stageActivity(
  deps: CollectDeps,
  email: string,
  day: string,
): Promise<{ count: number; inlineCsv?: string }> {
  const key = reportKeys.activityPart(day, email);
  let total = 0;
  const chunks: string[] = [];
  for await (const page of deps.source.activity(email, day)) {
    total = page.totalRecords;
    chunks.push(csvRows(page.records.map((r) => [day, email, r.timestamp, r.ip, r.description])));
  }
  const csv = chunks.join('');
  if (total === 0) return { count: 0 };
  if (Buffer.byteLength(csv, 'utf8') <= INLINE_ACTIVITY_BYTES) return { count: total, inlineCsv: csv };
  // Parts are rewritten whole on every collection of the day, so re-runs never duplicate rows.
  // One user-day is small (thousands of rows at most): a single PUT beats a multipart upload.
  await deps.objects.putText(key, csv, 'text/csv; charset=utf-8');
  return { count: total };
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
