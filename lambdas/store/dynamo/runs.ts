import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RunStore } from '../../ledger/ports.ts';
import { keys } from '../table.ts';
import { decode, outcomeSchema, runSchema } from './items.ts';
import type { DynamoTable } from './table.ts';

/** Runs: pk RUN#<id> sk SUMMARY (gsi1 RUNS / <startedAt>#<id>) and sk USER#<email> per outcome. */
export function dynamoRuns(t: DynamoTable): RunStore {
  return {
    async putRun(run) {
      await t.put({
        pk: keys.run(run.runId),
        sk: keys.runSummary,
        gsi1pk: keys.runs,
        gsi1sk: `${run.startedAt}#${run.runId}`,
        type: 'run',
        ...run,
      });
    },

    async addRunApiStats(runId, requests, retries) {
      await t.db.send(
        new UpdateCommand({
          TableName: t.name,
          Key: { pk: keys.run(runId), sk: keys.runSummary },
          UpdateExpression: 'ADD apiRequests :r, apiRetries :t',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':r': requests, ':t': retries },
        }),
      );
    },

    async getRun(runId) {
      const item = await t.get({ pk: keys.run(runId), sk: keys.runSummary });
      return item ? decode(runSchema, item, 'run') : null;
    },

    async listRuns(limit) {
      const result = await t.db.send(
        new QueryCommand({
          TableName: t.name,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.runs },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (result.Items ?? []).map((i) => decode(runSchema, i, 'run'));
    },

    async putUserOutcomes(outcomes) {
      await t.batchPut(
        outcomes.map((o) => ({ pk: keys.run(o.runId), sk: keys.user(o.email), type: 'outcome', ...o })),
      );
    },

    userOutcomes(runId) {
      return t.queryAll(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :user)',
          ExpressionAttributeValues: { ':pk': keys.run(runId), ':user': 'USER#' },
        },
        (i) => decode(outcomeSchema, i, 'run outcome'),
      );
    },
  };
}
