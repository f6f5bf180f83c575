import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertDeps } from '../../lambdas/alerts/nightly-alerts.ts';
import { defaultAlertSettings } from '../../lambdas/alerts/settings.ts';
import { daysBetween, plusDays } from '../../lambdas/calendar/days.ts';
import { defaultWindowSettings } from '../../lambdas/collect/window.ts';
import type { AlertTransition } from '../../lambdas/ledger/alerts.ts';
import type { AlertNotifier } from '../../lambdas/ledger/ports.ts';
import { parseCsv } from '../../lambdas/reports/csv.ts';
import { ALERT_COLUMNS, reportKeys } from '../../lambdas/reports/layout.ts';
import { commandWorks } from '../support/aws/processes.ts';
import { startReferenceLedger } from '../support/reference-ledger.ts';
import type { ReferenceFixture } from '../support/reference-server.ts';

// Issue 14's acceptance for alerts: night after night against a server that follows the reference,
// an account crossing 95% of its quota fires one alert, and one resolution when it drops back; the
// state lives in the ledger (DynamoDB protocol), so re-running a night sends nothing twice.

const TOKEN = 'alerts-reference-token-0123456789';
const QUOTA_GB = 1000;
const GB = 1e9;
const NIGHTS = daysBetween('2026-10-01', '2026-10-08');
/** Percent of the quota used on each night, in order. */
const USED = [50, 60, 96, 97, 99, 60, 50, 50];
const usage: ReferenceFixture['usage'] = { 'quota@ref.example': {}, 'steady@ref.example': {} };
for (const [i, day] of NIGHTS.entries()) {
  usage['quota@ref.example']![day] = [(USED[i]! / 100) * QUOTA_GB * GB, GB, 0];
  usage['steady@ref.example']![day] = [10 * GB, 0, 0];
}
const user = (email: string, quota: number) => ({
  email,
  first_name: 'Q',
  last_name: null,
  created: '2026-10-01 00:00:00',
  signed_up: true,
  active: true,
  quota_gb: quota,
});
const fixture: ReferenceFixture = {
  users: [user('quota@ref.example', QUOTA_GB), user('steady@ref.example', QUOTA_GB)],
  usage,
  activity: {},
};

const hasPython = commandWorks('python3', ['-c', 'import http.server']);
let ref: Awaited<ReturnType<typeof startReferenceLedger>>;
const sent: AlertTransition[] = [];
const notifier: AlertNotifier = {
  async publish(transitions) {
    sent.push(...transitions);
  },
};

beforeAll(async () => {
  if (!hasPython) return;
  ref = await startReferenceLedger(fixture, TOKEN);
}, 60_000);

afterAll(async () => {
  await ref?.stop();
});

/** The nightly of the day after `day` (it collects `day`, recollectDays 0), with the alerts. */
const night = (day: string, alertNotifier: AlertNotifier = notifier) => {
  const now = () => new Date(`${plusDays(day, 1)}T02:30:00Z`);
  const alerts: AlertDeps = {
    ledger: ref.ledger,
    objects: ref.objects,
    notifier: alertNotifier,
    settings: defaultAlertSettings,
    recollectDays: 0,
    now,
  };
  return ref.collect(day, day, {
    now,
    concurrency: 2,
    settings: { ...defaultWindowSettings, recollectDays: 0 },
    alerts,
  });
};

describe.runIf(hasPython)(
  'quota alerts, night after night, against a server that follows the reference',
  () => {
    it('fires once when crossing 95%, says nothing while above, resolves once when it drops back', async () => {
      for (const day of NIGHTS) {
        const result = await night(day);
        expect(result.alerts).toMatchObject({ evaluated: true, day });
      }
      expect(sent.map((t) => [t.day, t.email, t.transition, t.level])).toEqual([
        ['2026-10-03', 'quota@ref.example', 'fired', 95],
        ['2026-10-06', 'quota@ref.example', 'resolved', 95],
      ]);
      expect(sent[0]).toMatchObject({ kind: 'quota', value: '96.00', threshold: '95', version: 1 });
      const states = await ref.ledger.alertStates();
      expect(states).toMatchObject([
        {
          id: 'quota#quota@ref.example',
          status: 'resolved',
          firedDay: '2026-10-03',
          resolvedDay: '2026-10-06',
          pending: [],
        },
      ]);
      // The day files: firing on the 4th (no transition that day), resolved on the 6th.
      const fourth = parseCsv((await ref.objects.getText(reportKeys.alerts('2026-10-04')))!);
      expect(fourth[0]).toEqual([...ALERT_COLUMNS]);
      expect(fourth.slice(1).map((r) => [r[3], r[4], r[5], r[11]])).toEqual([
        ['quota@ref.example', 'firing', '95', ''],
      ]);
      const sixth = parseCsv((await ref.objects.getText(reportKeys.alerts('2026-10-06')))!);
      expect(sixth.slice(1).map((r) => [r[3], r[4], r[11]])).toEqual([
        ['quota@ref.example', 'resolved', 'resolved'],
      ]);
      expect(await ref.ledger.alertLog('2026-10-01', '2026-10-08')).toHaveLength(2);
    });

    it('running a night again, or an older day (a backfill of the past), sends nothing', async () => {
      const before = sent.length;
      await night('2026-10-08');
      const older = await night('2026-10-04');
      expect(older.alerts).toMatchObject({ evaluated: false, reason: expect.stringContaining('2026-10-08') });
      expect(sent).toHaveLength(before);
    });

    it('a transition that could not be sent is sent after the next night, exactly once', async () => {
      await ref.server.setUsage('quota@ref.example', '2026-10-09', {
        disk_used: 0.97 * QUOTA_GB * GB,
        uploads: GB,
      });
      await ref.server.setUsage('steady@ref.example', '2026-10-09', { disk_used: 10 * GB });
      const down: AlertNotifier = {
        async publish() {
          throw new Error('SNS unavailable');
        },
      };
      const failed = await night('2026-10-09', down);
      expect(failed.alerts).toMatchObject({ evaluated: true, notifyError: 'SNS unavailable' });
      expect((await ref.ledger.alertStates())[0]!.pending).toHaveLength(1);
      const before = sent.length;
      await ref.server.setUsage('quota@ref.example', '2026-10-10', {
        disk_used: 0.97 * QUOTA_GB * GB,
        uploads: GB,
      });
      await ref.server.setUsage('steady@ref.example', '2026-10-10', { disk_used: 10 * GB });
      await night('2026-10-10');
      expect(sent.slice(before).map((t) => [t.day, t.transition])).toEqual([['2026-10-09', 'fired']]);
      expect((await ref.ledger.alertStates())[0]!.pending).toEqual([]);
    });
  },
);
