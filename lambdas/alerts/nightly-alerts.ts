import { minusDays } from '../calendar/days.ts';
import type { AlertState, AlertTransition } from '../ledger/alerts.ts';
import type { UsageSnapshot } from '../ledger/model.ts';
import type {
  AlertNotifier,
  AlertStore,
  DirectoryStore,
  ObjectStore,
  SnapshotStore,
  StoredObject,
} from '../ledger/ports.ts';
import { writeAlertsFile } from '../reports/alert-files.ts';
import { STATUS_LOOKBACK_DAYS } from '../status/ledger-status.ts';
import { missingUserDays } from '../status/missing-user-days.ts';
import { conditionsOn, daysNeeded } from './conditions.ts';
import type { AlertSettings } from './settings.ts';
import { evaluate } from './transitions.ts';

export type AlertDeps = {
  readonly ledger: Pick<SnapshotStore, 'snapshotsForDay' | 'storedDaysByUser'> &
    Pick<DirectoryStore, 'listProfiles'> &
    AlertStore;
  readonly objects: ObjectStore;
  readonly notifier: AlertNotifier;
  readonly settings: AlertSettings;
  /** Days a nightly re-collects by itself; missing days older than that need a backfill. */
  readonly recollectDays: number;
  readonly now: () => Date;
};

export type AlertOutcome =
  | { readonly evaluated: false; readonly day: string; readonly reason: string }
  | {
      readonly evaluated: true;
      readonly day: string;
      /** The transitions this evaluation made (each sent once). */
      readonly transitions: readonly AlertTransition[];
      readonly firing: readonly AlertState[];
      readonly file: StoredObject;
      /** Sending failed: the transitions stay pending and are sent before the next evaluation. */
      readonly notifyError: string | null;
    };

/**
 * After a run: evaluates the alert rules on `day` (the last day collected) from stored data only,
 * records each change of state once (conditional writes: one evaluator wins), sends the changes and
 * whatever an earlier evaluation could not send, and writes the day's alerts file. A day older than
 * one already evaluated (a backfill of the past) is not evaluated: alerts follow the present.
 */
export async function evaluateAlerts(
  deps: AlertDeps,
  day: string,
  runId: string | null,
): Promise<AlertOutcome> {
  const through = await deps.ledger.alertsEvaluatedThrough();
  if (through !== null && day < through)
    return { evaluated: false, day, reason: `alerts are evaluated through ${through} already` };
  const at = deps.now().toISOString();
  let notifyError: string | null = null;
  const send = async (states: readonly AlertState[]) => {
    const pending = states.filter((s) => s.pending.length > 0);
    if (pending.length === 0 || notifyError !== null) return;
    try {
      await deps.notifier.publish(pending.flatMap((s) => s.pending));
    } catch (error) {
      notifyError = error instanceof Error ? error.message : String(error);
      return;
    }
    for (const s of pending) await deps.ledger.putAlertState({ ...s, pending: [] }, s.version);
  };

  const before = await deps.ledger.alertStates();
  await send(before);
  const conditions = conditionsOn(await inputs(deps, day));
  const current = notifyError === null ? await deps.ledger.alertStates() : before;
  const { writes } = evaluate(current, conditions, { day, at, runId });
  const won: AlertState[] = [];
  for (const { state, expectedVersion } of writes) {
    if (!(await deps.ledger.putAlertState(state, expectedVersion))) continue;
    await deps.ledger.appendAlertLog(state.pending.at(-1)!);
    won.push(state);
  }
  await send(won);
  await deps.ledger.setAlertsEvaluatedThrough(day);
  const after = await deps.ledger.alertStates();
  const file = await writeAlertsFile(deps.objects, day, after, await deps.ledger.alertLog(day, day));
  return {
    evaluated: true,
    day,
    transitions: won.map((s) => s.pending.at(-1)!),
    firing: after.filter((s) => s.status === 'firing'),
    file,
    notifyError,
  };
}

async function inputs(deps: AlertDeps, day: string) {
  const snapshots = new Map<string, Map<string, UsageSnapshot>>();
  for (const d of daysNeeded(day, deps.settings))
    for await (const page of deps.ledger.snapshotsForDay(d))
      for (const s of page) {
        const byDay = snapshots.get(s.email) ?? new Map<string, UsageSnapshot>();
        byDay.set(d, s);
        snapshots.set(s.email, byDay);
      }
  const profiles = await deps.ledger.listProfiles();
  const windowStart = minusDays(day, deps.recollectDays);
  const { missing } = await missingUserDays(
    deps.ledger,
    profiles,
    minusDays(day, STATUS_LOOKBACK_DAYS - 1),
    day,
  );
  const past = new Map<string, string[]>();
  for (const m of missing) if (m.day < windowStart) past.set(m.email, [...(past.get(m.email) ?? []), m.day]);
  return { day, snapshots, missingPastWindow: past, settings: deps.settings };
}
