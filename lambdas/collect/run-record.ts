import { randomBytes } from 'node:crypto';
import type { AlertDeps, AlertOutcome } from '../alerts/nightly-alerts.ts';
import type { RunSummary, UserRunOutcome } from '../ledger/model.ts';
import type { AuditTrail, ObjectStore, RunStore } from '../ledger/ports.ts';
import type { ExportDeps } from '../reports/daily-exports.ts';
import type { CollectDeps } from './collect-user.ts';
import type { CollectionRequest, WindowSettings } from './window.ts';

/** A run's record and the types the collection steps share (deps, results, ids). */
export type RunDeps = Omit<CollectDeps, 'ledger'> & {
  /** Collection writes snapshots, profiles and runs; closing a run exports the day's audit trail. */
  readonly ledger: CollectDeps['ledger'] & AuditTrail;
  /** Where audit exports go (the Object Lock bucket in AWS); defaults to `objects`. */
  readonly auditObjects?: ObjectStore;
  readonly settings: WindowSettings;
  /**
   * IDrive requests in flight at once (users and their days side by side); the API's rate is the
   * limit, so this is a setting.
   */
  readonly concurrency: number;
  /** Evaluate the nightly alerts once the run is closed (the CLI, the demo and the local server). */
  readonly alerts?: AlertDeps;
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

export type RunResult = {
  readonly summary: RunSummary;
  readonly outcomes: UserRunOutcome[];
  /** Null when the run was not given alert deps. */
  readonly alerts?: AlertOutcome | null;
};

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

export function emptyRun(
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
