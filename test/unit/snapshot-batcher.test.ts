import { describe, expect, it } from 'vitest';
import { SnapshotBatcher } from '../../lambdas/collect/snapshot-batcher.ts';
import type { UsageSnapshot } from '../../lambdas/ledger/model.ts';
import type { LedgerStore } from '../../lambdas/ledger/ports.ts';

const snap = (email: string, day: string) => ({ email, day }) as UsageSnapshot;
const days = (email: string, n: number) =>
  Array.from({ length: n }, (_, i) => snap(email, `2026-10-${String(i + 1).padStart(2, '0')}`));

function recordingLedger(fail = false) {
  const calls: UsageSnapshot[][] = [];
  const ledger = {
    putSnapshots: async (items: readonly UsageSnapshot[]) => {
      calls.push([...items]);
      if (fail) throw new Error('DynamoDB unavailable');
    },
  } as unknown as LedgerStore;
  return { ledger, calls };
}

describe('SnapshotBatcher', () => {
  it('puts several users into one write once 25 items are waiting, settling each caller after it', async () => {
    const { ledger, calls } = recordingLedger();
    const batcher = new SnapshotBatcher(ledger, 1_000);
    const settled: string[] = [];
    const writes = ['a', 'b', 'c', 'd'].map((u) => batcher.put(days(u, 7)).then(() => settled.push(u)));
    await Promise.all(writes);
    expect(calls.map((c) => c.length)).toEqual([28]);
    expect(settled.sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('writes a part-filled batch after the linger time', async () => {
    const { ledger, calls } = recordingLedger();
    await new SnapshotBatcher(ledger, 1).put(days('a', 3));
    expect(calls).toHaveLength(1);
  });

  it('fails every caller whose items were in a failed write', async () => {
    const { ledger } = recordingLedger(true);
    const batcher = new SnapshotBatcher(ledger, 1);
    const results = await Promise.allSettled([batcher.put(days('a', 2)), batcher.put(days('b', 2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
