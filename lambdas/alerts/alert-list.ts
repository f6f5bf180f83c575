import { minusDays } from '../calendar/days.ts';
import type { AlertState, AlertTransition } from '../ledger/alerts.ts';
import type { AlertStore } from '../ledger/ports.ts';

export type AlertList = {
  /** Alerts firing now, by account then kind (what is still pending to send is internal). */
  readonly firing: readonly Omit<AlertState, 'pending'>[];
  /** Every transition of from..to, oldest first. */
  readonly transitions: readonly AlertTransition[];
  readonly from: string;
  readonly to: string;
  readonly evaluatedThrough: string | null;
};

/** What `e2-ledger alerts` and GET /alerts show: firing alerts and the recent transitions. */
export async function listAlerts(
  ledger: Pick<AlertStore, 'alertStates' | 'alertLog' | 'alertsEvaluatedThrough'>,
  range: { readonly from: string; readonly to: string },
): Promise<AlertList> {
  const states = await ledger.alertStates();
  return {
    firing: states
      .filter((s) => s.status === 'firing')
      .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : a.kind < b.kind ? -1 : 1))
      .map(({ pending: _p, ...s }) => s),
    transitions: await ledger.alertLog(range.from, range.to),
    from: range.from,
    to: range.to,
    evaluatedThrough: await ledger.alertsEvaluatedThrough(),
  };
}

/** The default range: the last 7 UTC days, today included. */
export function recentRange(today: string) {
  return { from: minusDays(today, 6), to: today };
}
