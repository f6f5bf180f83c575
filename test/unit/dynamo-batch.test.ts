import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { UsageSnapshot } from '../../lambdas/ledger/model.ts';
import { dynamoLedgerStore } from '../../lambdas/store/dynamo-ledger-store.ts';
import { UnprocessedItemsError } from '../../lambdas/store/errors.ts';

const snapshot = (i: number): UsageSnapshot => ({
  email: `u${i}@x.example`,
  day: '2026-10-01',
  diskUsedBytes: i,
  uploadedBytes: 0,
  downloadedBytes: 0,
  storageQuotaGb: 0,
  isActive: true,
  isSignedUp: true,
  activityCount: 0,
  usageSource: 'api',
  runId: 'r',
  collectedAt: '2026-10-02T00:00:00Z',
});

/** A document client whose BatchWriteItem leaves the last `left` items of each call unprocessed, `rounds` times. */
function throttlingClient(rounds: number, left: number) {
  const written: string[] = [];
  let calls = 0;
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof BatchWriteCommand)) throw new Error('unexpected command');
      calls++;
      const requests = Object.values(command.input.RequestItems!)[0]!;
      const keep = calls <= rounds ? requests.slice(-left) : [];
      for (const r of requests.slice(0, requests.length - keep.length))
        written.push(String(r.PutRequest!.Item!.email));
      return { UnprocessedItems: keep.length ? { ledger: keep } : {} };
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, written, calls: () => calls };
}

describe('batch writes', () => {
  it('write in batches of 25 and retry unprocessed items until every item is written', async () => {
    const t = throttlingClient(3, 5);
    const store = dynamoLedgerStore(t.client, 'ledger', { sleep: async () => {} });
    await store.putSnapshots(Array.from({ length: 30 }, (_, i) => snapshot(i)));
    expect(t.written.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `u${i}@x.example`).sort());
    expect(t.calls()).toBe(5); // 25 (5 left) -> 5 (5 left) -> 5 (5 left) -> 5, then the last 5
  });

  it('fail loudly instead of dropping items when DynamoDB keeps leaving them unprocessed', async () => {
    const t = throttlingClient(100, 1);
    const store = dynamoLedgerStore(t.client, 'ledger', { sleep: async () => {}, maxRounds: 4 });
    const failure = await store.putSnapshots([snapshot(1), snapshot(2)]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnprocessedItemsError);
    expect(failure).toMatchObject({ unprocessed: 1, rounds: 4 });
    expect(String(failure)).toMatch(/1 item\(s\) unprocessed after 4 rounds/);
  });
});
