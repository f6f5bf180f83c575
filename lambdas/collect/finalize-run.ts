import pMap from 'p-map';
import { plusDays, utcToday } from '../calendar/days.ts';
import type { RunSummary, UserProfile, UserRunOutcome } from '../ledger/model.ts';
import type { Customer } from '../ledger/usage-source.ts';
import { writeAdminAudit, writeDailyActivity, writeDailyUsage } from '../reports/daily-exports.ts';
import { failureOf } from './collect-user.ts';
import type { FinalizeDeps, RunDeps } from './run-record.ts';
import { type CollectionRequest, daysToCollect, userRange } from './window.ts';

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
