import * as z from 'zod';
import { daysBetween } from '../../calendar/days.ts';
import type { AlertState, AlertTransition } from '../../ledger/alerts.ts';
import type { AlertStore } from '../../ledger/ports.ts';
import { keys } from '../table.ts';
import { decode } from './items.ts';
import type { DynamoTable } from './table.ts';

const kind = z.enum(['quota', 'disk_drop', 'stale_usage', 'missing_days']);

export const alertTransitionSchema: z.ZodType<AlertTransition> = z.object({
  id: z.string().min(1),
  kind,
  email: z.string().min(1),
  transition: z.enum(['fired', 'changed', 'resolved']),
  level: z.number().int().nullable(),
  previousLevel: z.number().int().nullable(),
  value: z.string(),
  threshold: z.string(),
  detail: z.string(),
  day: z.string(),
  at: z.string(),
  runId: z.string().nullable(),
  version: z.number().int().positive(),
});

export const alertStateSchema: z.ZodType<AlertState> = z.object({
  id: z.string().min(1),
  kind,
  email: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  level: z.number().int().nullable(),
  value: z.string(),
  threshold: z.string(),
  detail: z.string(),
  firedDay: z.string(),
  resolvedDay: z.string().nullable(),
  updatedAt: z.string(),
  version: z.number().int().positive(),
  pending: z.array(alertTransitionSchema),
});

/** Alerts: pk ALERTS (states and the meta item) and pk ALERTLOG#<day> (the transitions of a day). */
export function dynamoAlerts(t: DynamoTable): AlertStore {
  return {
    alertStates() {
      return t.queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :state)',
          ExpressionAttributeValues: { ':pk': keys.alerts, ':state': 'STATE#' },
          ConsistentRead: true,
        },
        (i) => decode(alertStateSchema, i, 'alert state'),
      );
    },

    putAlertState(state, expectedVersion) {
      return t.putIf(
        { pk: keys.alerts, sk: keys.alertState(state.id), type: 'alert', ...state },
        expectedVersion === null
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: '#v = :v',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':v': expectedVersion },
            },
      );
    },

    async appendAlertLog(transition) {
      // Written once: the same transition again (a retried run) is already on file.
      await t.claim({
        pk: keys.alertLog(transition.day),
        sk: keys.alertLogEntry(transition.id, transition.version),
        type: 'alert-transition',
        ...transition,
      });
    },

    async alertLog(from, to) {
      const out: AlertTransition[] = [];
      for (const day of daysBetween(from, to))
        out.push(
          ...(await t.queryAll(
            {
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': keys.alertLog(day) },
            },
            (i) => decode(alertTransitionSchema, i, 'alert transition'),
          )),
        );
      return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
    },

    async alertsEvaluatedThrough() {
      const item = await t.get({ pk: keys.alerts, sk: keys.alertsMeta }, true);
      return typeof item?.evaluatedThrough === 'string' ? item.evaluatedThrough : null;
    },

    async setAlertsEvaluatedThrough(day) {
      // False when a later day is already recorded: it never moves back.
      await t.putIf(
        { pk: keys.alerts, sk: keys.alertsMeta, type: 'alerts-meta', evaluatedThrough: day },
        {
          ConditionExpression: 'attribute_not_exists(pk) OR evaluatedThrough < :d',
          ExpressionAttributeValues: { ':d': day },
        },
      );
    },
  };
}
