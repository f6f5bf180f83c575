import { describe, expect, it, vi } from 'vitest';
import { SnapshotBatcher } from '../../lambdas/collect/snapshot-batcher.ts';
import type { UsageSnapshot } from '../../lambdas/ledger/model.ts';

const snap = (email: string, day: string) => ({ email, day }) as UsageSnapshot; // the batcher reads no other field
const days = (email: string, n: number) =>
  Array.from({ length: n }, (_, i) => snap(email, `2026-10-${String(i + 1).padStart(2, '0')}`));

function recordingLedger(fail = false) {
  const calls: UsageSnapshot[][] = [];
  const ledger = {
    putSnapshots: async (items: readonly UsageSnapshot[]) => {
      calls.push([...items]);
      if (fail) throw new Error('DynamoDB unavailable');
    },
  };
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

  it('holds a part-filled batch for the linger time, gathers what arrives meanwhile, then writes it once', async () => {
    vi.useFakeTimers();
    try {
      const { ledger, calls } = recordingLedger();
      const batcher = new SnapshotBatcher(ledger, 1_000);
      let settled = false;
      const first = batcher.put(days('a', 3)).then(() => {
        settled = true;
      });
      await vi.advanceTimersByTimeAsync(999);
      expect(calls).toHaveLength(0); // not written at once
      expect(settled).toBe(false); // and the caller is not told it was
      const second = batcher.put(days('b', 2)); // joins the waiting batch, no new timer
      await vi.advanceTimersByTimeAsync(1);
      await Promise.all([first, second]);
      expect(calls.map((c) => c.map((x) => x.email))).toEqual([['a', 'a', 'a', 'b', 'b']]);
      expect(settled).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails every caller whose items were in a failed write', async () => {
    const { ledger } = recordingLedger(true);
    const batcher = new SnapshotBatcher(ledger, 1);
    const results = await Promise.allSettled([batcher.put(days('a', 2)), batcher.put(days('b', 2))]);
    expect(results).toEqual([
      { status: 'rejected', reason: new Error('DynamoDB unavailable') },
      { status: 'rejected', reason: new Error('DynamoDB unavailable') },
    ]);
  });
});
