import pMap from 'p-map';
import { daysBetween } from '../../calendar/days.ts';
import type { UsageSnapshot } from '../../ledger/model.ts';
import type { SnapshotStore } from '../../ledger/ports.ts';
import { keys } from '../table.ts';
import { decode, snapshotSchema } from './items.ts';
import type { DynamoTable } from './table.ts';

const toSnapshot = (item: Record<string, unknown>) => decode(snapshotSchema, item, 'snapshot');

/** Snapshots: pk USER#<email> sk DAY#<day>, and gsi1 DAY#<day> / USER#<email> for a day's export. */
export function dynamoSnapshots(t: DynamoTable): SnapshotStore {
  return {
    async putSnapshots(snapshots: readonly UsageSnapshot[]) {
      await t.batchPut(
        snapshots.map((s) => ({
          pk: keys.user(s.email),
          sk: keys.day(s.day),
          gsi1pk: keys.day(s.day),
          gsi1sk: keys.user(s.email),
          type: 'snapshot',
          ...s,
        })),
      );
    },

    async storedDays(email, from, to) {
      const days = new Set<string>();
      for await (const items of t.query({
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': keys.user(email), ':from': keys.day(from), ':to': keys.day(to) },
        ProjectionExpression: '#day',
        ExpressionAttributeNames: { '#day': 'day' },
      }))
        for (const item of items) days.add(item.day as string);
      return days;
    },

    async storedDaysByUser(from, to) {
      const byUser = new Map<string, Set<string>>();
      // One index query per day, a few at once: the run waits for this before its first request.
      await pMap(
        daysBetween(from, to),
        async (day) => {
          for await (const items of t.query({
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.day(day) },
            ProjectionExpression: 'email',
          })) {
            for (const item of items) {
              const email = item.email as string;
              const stored = byUser.get(email) ?? new Set<string>();
              stored.add(day);
              byUser.set(email, stored);
            }
          }
        },
        { concurrency: 8 },
      );
      return byUser;
    },

    snapshotsForUser(email, from, to) {
      return t.queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.user(email),
            ':from': keys.day(from),
            ':to': keys.day(to),
          },
        },
        toSnapshot,
      );
    },

    async *snapshotsForDay(day) {
      for await (const items of t.query({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.day(day) },
      }))
        yield items.map(toSnapshot);
    },
  };
}
