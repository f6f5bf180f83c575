import { minusDays, utcToday } from '../calendar/days.ts';
import type { RunSummary } from '../ledger/model.ts';
import type { LedgerStore, ObjectStore } from '../ledger/ports.ts';
import { missingUserDays } from './missing-user-days.ts';
import { nextRuns, type ScheduleSettings } from './schedule.ts';

/** How far back status looks for user-days that are still missing. */
export const STATUS_LOOKBACK_DAYS = 35;

export type StatusDeps = {
  readonly ledger: LedgerStore;
  readonly objects: Pick<ObjectStore, 'getText'>;
  readonly rateCardKey: string;
  /** As deployed; null where nothing is scheduled (a laptop). */
  readonly schedule: ScheduleSettings | null;
  /** Days before yesterday that every nightly collects again. */
  readonly recollectDays: number;
  readonly now: () => Date;
};

type RunBrief = Pick<
  RunSummary,
  | 'runId'
  | 'kind'
  | 'status'
  | 'startedAt'
  | 'finishedAt'
  | 'from'
  | 'to'
  | 'userDaysStored'
  | 'userDaysFailed'
  | 'catchUpDays'
  | 'error'
>;

export type LedgerStatus = {
  readonly at: string;
  readonly lastNightly: RunBrief | null;
  readonly lastRun: RunBrief | null;
  readonly missing: {
    readonly from: string;
    readonly to: string;
    readonly userDays: number;
    readonly customers: number;
    /** Missing user-days older than the re-collection window: no nightly fills them on its own. */
    readonly pastRecollectionWindow: number;
    readonly oldest: { readonly email: string; readonly day: string } | null;
  };
  /** The oldest missing user-day that a run tried and failed to collect, with that failure. */
  readonly oldestUnresolvedFailure: {
    readonly email: string;
    readonly day: string;
    readonly runId: string;
    readonly code: string;
    readonly message: string;
  } | null;
  readonly rateCard: { readonly key: string; readonly present: boolean };
  readonly nextNightly: string | null;
  readonly nextMonthly: string | null;
  readonly lastIssuedMonth: string | null;
};

const brief = (r: RunSummary): RunBrief => ({
  runId: r.runId,
  kind: r.kind,
  status: r.status,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
  from: r.from,
  to: r.to,
  userDaysStored: r.userDaysStored,
  userDaysFailed: r.userDaysFailed,
  catchUpDays: r.catchUpDays ?? [],
  error: r.error,
});

/** What ops asks first: did last night work, is anything missing, what runs next. */
export async function ledgerStatus(deps: StatusDeps): Promise<LedgerStatus> {
  const now = deps.now();
  const yesterday = minusDays(utcToday(now), 1);
  const from = minusDays(yesterday, STATUS_LOOKBACK_DAYS - 1);
  const runs = await deps.ledger.listRuns(50);
  const profiles = await deps.ledger.listProfiles();
  const { missing } = await missingUserDays(deps.ledger, profiles, from, yesterday);
  const windowStart = minusDays(yesterday, deps.recollectDays);
  const missingSet = new Set(missing.map((m) => `${m.email}\n${m.day}`));

  let oldestFailure: LedgerStatus['oldestUnresolvedFailure'] = null;
  for (const run of runs.filter((r) => r.userDaysFailed > 0)) {
    for (const o of await deps.ledger.userOutcomes(run.runId)) {
      for (const f of o.failures) {
        if (!missingSet.has(`${o.email}\n${f.day}`)) continue;
        if (oldestFailure === null || f.day < oldestFailure.day)
          oldestFailure = { email: o.email, day: f.day, runId: run.runId, code: f.code, message: f.message };
      }
    }
  }
  const next = deps.schedule ? nextRuns(deps.schedule, now) : null;
  const nightly = runs.find((r) => r.kind === 'nightly');
  return {
    at: now.toISOString(),
    lastNightly: nightly ? brief(nightly) : null,
    lastRun: runs[0] ? brief(runs[0]) : null,
    missing: {
      from,
      to: yesterday,
      userDays: missing.length,
      customers: new Set(missing.map((m) => m.email)).size,
      pastRecollectionWindow: missing.filter((m) => m.day < windowStart).length,
      oldest: missing.reduce<{ email: string; day: string } | null>(
        (o, m) => (o === null || m.day < o.day ? m : o),
        null,
      ),
    },
    oldestUnresolvedFailure: oldestFailure,
    rateCard: { key: deps.rateCardKey, present: (await deps.objects.getText(deps.rateCardKey)) !== null },
    nextNightly: next?.nightly.toISOString() ?? null,
    nextMonthly: next?.monthly.toISOString() ?? null,
    lastIssuedMonth: await deps.ledger.lastIssuedInvoiceMonth(),
  };
}
