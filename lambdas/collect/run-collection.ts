/** The collection pipeline: start a run, collect its users, finalize it. Its steps live beside it and are re-exported here, the one entry point callers use. */
import { type AlertOutcome, evaluateAlerts } from '../alerts/nightly-alerts.ts';
import { utcToday } from '../calendar/days.ts';
import type { RunSummary, UserProfile } from '../ledger/model.ts';
import type { Customer } from '../ledger/usage-source.ts';
import { failureOf } from './collect-user.ts';
import { collectUsers } from './collect-users.ts';
import { exportDays, finalizeRun } from './finalize-run.ts';
import { emptyRun, newRunId, type RunDeps, type RunResult } from './run-record.ts';
import { type CollectionRequest, runRange } from './window.ts';

export { collectUsers } from './collect-users.ts';
export { exportDays, finalizeRun, outcomesOfUncollected } from './finalize-run.ts';
export {
  type FinalizeDeps,
  newRunId,
  queuedRun,
  RUN_ID_PATTERN,
  type RunDeps,
  type RunResult,
} from './run-record.ts';

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
  options: {
    /**
     * Return once the users are listed and leave the directory refresh writing beside the
     * collection (one process doing the whole run: completeRun waits for it, and each cursor waits
     * for it). By default the refresh is written before this returns, as the AWS list step needs.
     */
    directoryInBackground?: boolean;
  } = {},
): Promise<StartedRun> {
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
  const { profiles, written } = await refreshDirectory(deps, users, now.toISOString());
  if (!options.directoryInBackground) await written;
  return { summary, users, profiles, directoryWritten: written };
}

export type StartedRun = {
  readonly summary: RunSummary;
  readonly users: Customer[];
  /** The refreshed directory, with each user's cursor as it was before this run. */
  readonly profiles: UserProfile[];
  /** Settles when the refreshed profiles are written (already, unless started in the background). */
  readonly directoryWritten: Promise<void>;
};

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
): Promise<{ profiles: UserProfile[]; written: Promise<void> }> {
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
  const written = deps.ledger.putProfiles(profiles.map(({ collectedThrough: _c, ...p }) => p));
  // Handled here so a failure waiting to be awaited is never an unhandled rejection; awaiting
  // `written` still throws it.
  written.catch(() => undefined);
  return { profiles, written };
}

/** Steps 2 and 3 for a run already started: collect every user, then finalize. */
export async function completeRun(
  deps: RunDeps,
  request: CollectionRequest,
  started: StartedRun,
): Promise<RunResult> {
  const { summary, users, profiles, directoryWritten } = started;
  const cursors = new Map(profiles.map((p) => [p.email, p.collectedThrough]));
  try {
    const outcomes = await collectUsers(deps, request, summary.runId, users, cursors, {
      prefetchStoredDays: true,
      directoryWritten,
    });
    // A directory that could not be written fails the run, as it would have before collecting.
    await directoryWritten;
    const finished = await finalizeRun(deps, summary, outcomes, profiles, exportDays(summary, outcomes));
    return { summary: finished, outcomes, alerts: await alertsAfter(deps, finished) };
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

/**
 * The alerts of the run's last day. The run is closed by then: an alert store failure is reported in
 * the outcome (and the next run evaluates again), never turned into a failed run.
 */
async function alertsAfter(deps: RunDeps, summary: RunSummary): Promise<AlertOutcome | null> {
  if (!deps.alerts) return null;
  try {
    return await evaluateAlerts(deps.alerts, summary.to, summary.runId);
  } catch (error) {
    const { code, message } = failureOf(error);
    return {
      evaluated: false,
      day: summary.to,
      reason: `alerts could not be evaluated (${code}: ${message})`,
    };
  }
}

/** The whole run in one process: the CLI and the embedded default. */
export async function runCollection(deps: RunDeps, request: CollectionRequest): Promise<RunResult> {
  return completeRun(deps, request, await startRun(deps, request, {}, { directoryInBackground: true }));
}
