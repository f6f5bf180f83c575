import type { AlertState, AlertTransition } from '../ledger/alerts.ts';
import type { ObjectStore, StoredObject } from '../ledger/ports.ts';
import { csvHeader, csvNumber, csvRows } from './csv.ts';
import { ALERT_COLUMNS, reportKeys } from './layout.ts';

/**
 * `alerts/YYYY/MM/DD/alerts-YYYY-MM-DD.csv`: every alert firing once the day was evaluated, plus the
 * ones resolved that day, each with the transition it had that day (empty when it was already firing).
 */
export async function writeAlertsFile(
  objects: ObjectStore,
  day: string,
  states: readonly AlertState[],
  transitionsOfDay: readonly AlertTransition[],
): Promise<StoredObject> {
  const lastTransition = new Map(transitionsOfDay.map((t) => [t.id, t.transition]));
  const rows = states
    .filter((s) => s.status === 'firing' || (s.status === 'resolved' && s.resolvedDay === day))
    .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : a.kind < b.kind ? -1 : 1))
    .map((s) => [
      day,
      s.id,
      s.kind,
      s.email,
      s.status,
      s.level,
      /^-?\d+(\.\d+)?$/.test(s.value) ? csvNumber(s.value) : s.value,
      /^-?\d+(\.\d+)?$/.test(s.threshold) ? csvNumber(s.threshold) : s.threshold,
      s.detail,
      s.firedDay,
      s.resolvedDay,
      lastTransition.get(s.id) ?? null,
    ]);
  return objects.putText(
    reportKeys.alerts(day),
    csvHeader(ALERT_COLUMNS) + csvRows(rows),
    'text/csv; charset=utf-8',
  );
}
