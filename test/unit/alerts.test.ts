import { describe, expect, it } from 'vitest';
import { conditionsOn } from '../../lambdas/alerts/conditions.ts';
import { defaultAlertSettings } from '../../lambdas/alerts/settings.ts';
import { evaluate } from '../../lambdas/alerts/transitions.ts';
import { daysBetween } from '../../lambdas/calendar/days.ts';
import type { AlertState } from '../../lambdas/ledger/alerts.ts';
import type { UsageSnapshot } from '../../lambdas/ledger/model.ts';

const GB = 1_000_000_000;
const snap = (day: string, disk: number, extra: Partial<UsageSnapshot> = {}): UsageSnapshot => ({
  email: 'ann@x.example',
  day,
  diskUsedBytes: disk,
  uploadedBytes: 0,
  downloadedBytes: 0,
  storageQuotaGb: 100,
  isActive: true,
  isSignedUp: true,
  activityCount: 0,
  usageSource: 'api',
  runId: 'r',
  collectedAt: `${day}T03:00:00Z`,
  ...extra,
});
const on = (day: string, days: UsageSnapshot[], missing: string[] = []) =>
  conditionsOn({
    day,
    snapshots: new Map([['ann@x.example', new Map(days.map((s) => [s.day, s]))]]),
    missingPastWindow: new Map(missing.length ? [['ann@x.example', missing]] : []),
    settings: defaultAlertSettings,
  });

describe('alert conditions, from stored snapshots', () => {
  it('quota: the highest level reached, exactly at the boundary, and none without a quota', () => {
    expect(on('2026-10-02', [snap('2026-10-02', 79.99 * GB)])).toEqual([]);
    expect(on('2026-10-02', [snap('2026-10-02', 80 * GB)])).toMatchObject([
      { kind: 'quota', level: 80, value: '80.00' },
    ]);
    expect(on('2026-10-02', [snap('2026-10-02', 96.5 * GB)])).toMatchObject([{ level: 95, value: '96.50' }]);
    expect(on('2026-10-02', [snap('2026-10-02', 130 * GB)])).toMatchObject([{ level: 100, value: '130.00' }]);
    expect(on('2026-10-02', [snap('2026-10-02', 1e15, { storageQuotaGb: 0 })])).toEqual([]);
  });

  it('disk drop: more than half gone in a day fires; half exactly, or a small account, does not', () => {
    const drop = (from: number, to: number) =>
      on('2026-10-02', [
        snap('2026-10-01', from, { storageQuotaGb: 0 }),
        snap('2026-10-02', to, { storageQuotaGb: 0 }),
      ]);
    expect(drop(100 * GB, 40 * GB)).toMatchObject([{ kind: 'disk_drop', value: '60.00', threshold: '0.5' }]);
    expect(drop(100 * GB, 50 * GB)).toEqual([]);
    expect(drop(1.5 * GB, 0.6 * GB)).toEqual([]); // 60% but 0.9 GB: under the 1 GB minimum
  });

  it('stale usage: the same disk for 3 days while uploads happen; not when nothing is uploaded', () => {
    const days = daysBetween('2026-10-01', '2026-10-03');
    const same = (up: number) => days.map((d) => snap(d, 10 * GB, { uploadedBytes: up, storageQuotaGb: 0 }));
    expect(on('2026-10-03', same(GB))).toMatchObject([{ kind: 'stale_usage' }]);
    expect(on('2026-10-03', same(0))).toEqual([]);
    expect(on('2026-10-03', same(GB).slice(1))).toEqual([]); // only 2 days stored
  });

  it('missing days past the re-collection window', () => {
    expect(on('2026-10-20', [], ['2026-10-01', '2026-10-02'])).toMatchObject([
      { kind: 'missing_days', value: '2', detail: expect.stringContaining('oldest 2026-10-01') },
    ]);
  });
});

describe('alert state transitions over a sequence of nights', () => {
  /** Runs the nights in order, keeping states as the store would; returns every transition sent. */
  function nights(sequence: readonly (readonly [string, number])[]) {
    let states: AlertState[] = [];
    const sent: string[] = [];
    for (const [day, usedGb] of sequence) {
      const { writes, transitions } = evaluate(states, on(day, [snap(day, usedGb * GB)]), {
        day,
        at: `${day}T03:00:00Z`,
        runId: null,
      });
      const byId = new Map(states.map((s) => [s.id, s]));
      for (const w of writes) {
        expect(w.expectedVersion).toBe(byId.get(w.state.id)?.version ?? null);
        byId.set(w.state.id, { ...w.state, pending: [] });
      }
      states = [...byId.values()];
      sent.push(...transitions.map((t) => `${t.day} ${t.transition} ${t.level ?? ''}`.trim()));
    }
    return { sent, states };
  }

  it('crossing 95% fires once, staying above sends nothing, dropping back resolves once', () => {
    const { sent, states } = nights([
      ['2026-10-01', 50],
      ['2026-10-02', 96],
      ['2026-10-03', 97],
      ['2026-10-04', 98],
      ['2026-10-05', 50],
      ['2026-10-06', 50],
    ]);
    expect(sent).toEqual(['2026-10-02 fired 95', '2026-10-05 resolved 95']);
    expect(states).toMatchObject([
      { status: 'resolved', firedDay: '2026-10-02', resolvedDay: '2026-10-05', version: 2 },
    ]);
  });

  it('a level change is one `changed`; firing again after a resolution is a new firing', () => {
    const { sent } = nights([
      ['2026-10-01', 85],
      ['2026-10-02', 90],
      ['2026-10-03', 101],
      ['2026-10-04', 96],
      ['2026-10-05', 10],
      ['2026-10-06', 99],
    ]);
    expect(sent).toEqual([
      '2026-10-01 fired 80',
      '2026-10-03 changed 100',
      '2026-10-04 changed 95',
      '2026-10-05 resolved 95',
      '2026-10-06 fired 95',
    ]);
  });

  it('evaluating the same night twice sends nothing the second time', () => {
    const { sent } = nights([
      ['2026-10-02', 96],
      ['2026-10-02', 96],
    ]);
    expect(sent).toEqual(['2026-10-02 fired 95']);
  });
});
