import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate } from '../../lambdas/billing/allocation.ts';
import { type DayUsage, replayDeletions } from '../../lambdas/billing/deleted-storage.ts';
import { Dec } from '../../lambdas/billing/money.ts';
import { daysBetween } from '../../lambdas/calendar/days.ts';

const TB = 10n ** 12n;
/** A month of days from per-day [disk, uploaded] pairs (in TB), starting 2026-10-01. */
function month(pairs: readonly (readonly [number, number])[]): DayUsage[] {
  const days = daysBetween('2026-10-01', '2026-10-31');
  return pairs.map(([disk, up], i) => ({
    day: days[i]!,
    diskBytes: BigInt(disk) * TB,
    uploadedBytes: BigInt(up) * TB,
  }));
}
const newest = { minimumDays: 30, order: 'newest_first', startsEmpty: true } as const;

describe('the deleted-storage cohort estimate', () => {
  it('upload 1 TB on the 1st, delete it on the 10th: 1 TB deleted at age 9, 21 of 30 days billed', () => {
    const days = month([[1, 1], ...Array.from({ length: 8 }, () => [1, 0] as const), [0, 0]]);
    expect(replayDeletions(days, newest)).toEqual([
      { day: '2026-10-10', bytes: TB, uploadedOn: '2026-10-01', ageDays: 9, remainingDays: 21 },
    ]);
  });

  it('a deletion after the minimum duration costs nothing', () => {
    const days = month([[1, 1], ...Array.from({ length: 30 }, (_, i) => [i === 29 ? 0 : 1, 0] as const)]);
    expect(replayDeletions(days, newest)).toEqual([
      { day: '2026-10-31', bytes: TB, uploadedOn: '2026-10-01', ageDays: 30, remainingDays: 0 },
    ]);
  });

  it('newest first takes the fresh upload (the high estimate); oldest first takes the old bytes (the low one)', () => {
    // 5 TB before the history, 1 TB uploaded on the 5th, 1 TB deleted on the 6th.
    const days = month([
      [5, 0],
      [5, 0],
      [5, 0],
      [5, 0],
      [6, 1],
      [5, 0],
    ]);
    const options = { minimumDays: 30, startsEmpty: false } as const;
    expect(replayDeletions(days, { ...options, order: 'newest_first' })).toEqual([
      { day: '2026-10-06', bytes: TB, uploadedOn: '2026-10-05', ageDays: 1, remainingDays: 29 },
    ]);
    expect(replayDeletions(days, { ...options, order: 'oldest_first' })).toEqual([
      { day: '2026-10-06', bytes: TB, uploadedOn: null, ageDays: null, remainingDays: 0 },
    ]);
  });

  it('bytes uploaded and deleted the same day are billed the whole minimum', () => {
    expect(
      replayDeletions(
        month([
          [0, 0],
          [0, 2],
        ]),
        newest,
      ),
    ).toEqual([
      { day: '2026-10-02', bytes: 2n * TB, uploadedOn: '2026-10-02', ageDays: 0, remainingDays: 30 },
    ]);
  });

  it('growth beyond the uploads counts as stored that day; a deletion spanning cohorts splits by age', () => {
    // Day 1: 2 TB appear with 1 TB uploaded (1 TB unexplained, stored that day); day 3: +1 TB; day 4: 3 TB go.
    const days = month([
      [2, 1],
      [2, 0],
      [3, 1],
      [0, 0],
    ]);
    expect(replayDeletions(days, newest)).toEqual([
      { day: '2026-10-04', bytes: TB, uploadedOn: '2026-10-03', ageDays: 1, remainingDays: 29 },
      { day: '2026-10-04', bytes: TB, uploadedOn: '2026-10-01', ageDays: 3, remainingDays: 27 },
      { day: '2026-10-04', bytes: TB, uploadedOn: '2026-10-01', ageDays: 3, remainingDays: 27 },
    ]);
  });

  it('a missing day is a longer step: the next known day compares with the last known one', () => {
    const days = month([
      [4, 4],
      [4, 0],
      [1, 0],
    ]).filter((d) => d.day !== '2026-10-02');
    expect(replayDeletions(days, newest)).toEqual([
      { day: '2026-10-03', bytes: 3n * TB, uploadedOn: '2026-10-01', ageDays: 2, remainingDays: 28 },
    ]);
  });

  it('deletes exactly max(0, disk[d-1] + uploaded[d] - disk[d]) each day, whatever the order', () => {
    const series = fc.array(fc.tuple(fc.nat(50), fc.nat(20)), { minLength: 1, maxLength: 31 });
    fc.assert(
      fc.property(series, fc.boolean(), fc.boolean(), (pairs, startsEmpty, oldestFirst) => {
        const days = month(pairs);
        const deletions = replayDeletions(days, {
          minimumDays: 30,
          order: oldestFirst ? 'oldest_first' : 'newest_first',
          startsEmpty,
        });
        let previous = startsEmpty ? 0n : days[0]!.diskBytes;
        days.forEach((d, i) => {
          if (i === 0 && !startsEmpty) return;
          const expected = previous + d.uploadedBytes - d.diskBytes;
          const deleted = deletions.filter((x) => x.day === d.day).reduce((n, x) => n + x.bytes, 0n);
          expect(deleted).toBe(expected > 0n ? expected : 0n);
          previous = d.diskBytes;
        });
        for (const x of deletions) expect(x.remainingDays).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('largest-remainder allocation', () => {
  it('splits 10.00 three ways as 3.34, 3.33, 3.33 (the first of equal remainders gets the cent)', () => {
    expect(
      allocate(
        new Dec('10.00'),
        [1, 1, 1].map((w) => new Dec(w)),
        'USD',
      ).map(String),
    ).toEqual(['3.34', '3.33', '3.33']);
  });

  it('follows the weights, and splits equally when every weight is zero', () => {
    expect(
      allocate(
        new Dec('5.00'),
        ['0.3', '0.1', '0'].map((w) => new Dec(w)),
        'USD',
      ).map(String),
    ).toEqual(['3.75', '1.25', '0']);
    expect(
      allocate(
        new Dec('1.00'),
        [0, 0, 0, 0].map((w) => new Dec(w)),
        'USD',
      ).map(String),
    ).toEqual(['0.25', '0.25', '0.25', '0.25']);
  });

  it('always adds up to the amount exactly, to the minor unit', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000_000),
        fc.array(fc.nat(1_000_000), { minLength: 1, maxLength: 40 }),
        (cents, weights) => {
          const amount = new Dec(cents).div(100);
          const shares = allocate(
            amount,
            weights.map((w) => new Dec(w)),
            'USD',
          );
          expect(shares.reduce((a, s) => a.plus(s), new Dec(0)).toFixed(2)).toBe(amount.toFixed(2));
          for (const s of shares) expect(s.times(100).isInteger()).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
