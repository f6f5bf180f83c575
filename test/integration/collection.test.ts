import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysBetween } from '../../lambdas/calendar/days.ts';
import { type RunResult, runCollection } from '../../lambdas/collect/run-collection.ts';
import { parseCsv } from '../../lambdas/reports/csv.ts';
import { reportKeys } from '../../lambdas/reports/layout.ts';
import { startLedger } from '../support/ledger.ts';

// A month for 50 users against the simulator, through dynalite and s3rver.
const TODAY = '2026-11-01';
const MONTH = daysBetween('2026-10-01', '2026-10-31');
const backfill = { kind: 'backfill' as const, from: '2026-10-01', to: '2026-10-31' };

let env: Awaited<ReturnType<typeof startLedger>>;
let first: RunResult;

beforeAll(async () => {
  env = await startLedger({ today: TODAY, users: 50, historyStart: '2026-09-01' });
  first = await runCollection(env.deps(), backfill);
});
afterAll(() => env.stop());

describe('collecting a month', () => {
  it('stores one snapshot per signed-up user per day, and skips invited users with that reason', async () => {
    const users = await env.deps().e2.users.list();
    const signedUp = users.filter((u) => u.is_signed_up);
    expect(first.summary.status).toBe('succeeded');
    // One snapshot per day the account existed: days before creation are not stored.
    const existing = (day: string) =>
      [...env.sim.model.users.values()].filter((u) => u.signedUp && u.createdDay <= day).length;
    const expectedDays = daysBetween('2026-10-01', '2026-10-31').reduce((n, d) => n + existing(d), 0);
    expect(expectedDays).toBeLessThan(signedUp.length * 31); // some accounts start mid-month
    expect(first.summary.userDaysStored).toBe(expectedDays);
    expect(first.summary.userDaysFailed).toBe(0);
    const skipped = first.outcomes.filter((o) => o.outcome === 'skipped');
    expect(skipped.map((o) => o.email).sort()).toEqual(
      users
        .filter((u) => !u.is_signed_up)
        .map((u) => u.email)
        .sort(),
    );
    expect(skipped.every((o) => o.reason === 'not_signed_up')).toBe(true);
    for (const user of [...env.sim.model.users.values()].filter((u) => u.signedUp)) {
      const from = user.createdDay > '2026-10-01' ? user.createdDay : '2026-10-01';
      const expected = from > '2026-10-31' ? 0 : daysBetween(from, '2026-10-31').length;
      expect((await env.ledger.storedDays(user.email, '2026-10-01', '2026-10-31')).size, user.email).toBe(
        expected,
      );
    }
  });

  it('keeps bytes as the exact integers the API sent and collects disabled users too', async () => {
    const e2 = env.deps().e2;
    const users = await e2.users.list();
    const disabled = users.find((u) => u.is_signed_up && !u.is_active)!;
    for (const user of [users[1]!, disabled]) {
      const api = await e2.users.usageStats(user.email, '2026-10-01', '2026-10-31');
      const stored = await env.ledger.snapshotsForUser(user.email, '2026-10-01', '2026-10-31');
      const apiByDay = new Map(api.map((r) => [r.date, r]));
      for (const s of stored) {
        const row = apiByDay.get(s.day);
        expect(row, `${s.day}: a snapshot without a usage_stats row`).toBeDefined();
        if (!row) continue;
        expect([s.diskUsedBytes, s.uploadedBytes, s.downloadedBytes]).toEqual([
          row.disk_used,
          row.uploads,
          row.downloads,
        ]);
      }
    }
    expect(
      Math.max(
        ...(await env.ledger.snapshotsForUser(users[1]!.email, '2026-10-31', '2026-10-31')).map(
          (s) => s.diskUsedBytes,
        ),
      ),
    ).toBeGreaterThan(1e15);
  });

  it('writes every activity record: each day file has exactly the sum of the API total_records', async () => {
    const e2 = env.deps().e2;
    const users = (await e2.users.list()).filter((u) => u.is_signed_up);
    expect(users.length).toBeGreaterThan(5);
    for (const day of ['2026-10-01', '2026-10-17', '2026-10-31']) {
      let apiTotal = 0;
      for (const user of users)
        apiTotal += (await e2.users.activityPage(user.email, day, day, 1)).pagination.total_records;
      const rows = parseCsv(await env.text(reportKeys.activity(day)));
      expect(rows[0]).toEqual(['date', 'email', 'timestamp', 'ip', 'description']);
      expect(rows.length - 1).toBe(apiTotal);
      const manifest = JSON.parse(await env.text(reportKeys.activityManifest(day)));
      expect(manifest).toMatchObject({ rows: apiTotal, complete: true, runId: first.summary.runId });
    }
  });

  it('writes a daily usage file per day with a manifest whose sha256 matches the file', async () => {
    for (const day of MONTH) {
      const manifest = JSON.parse(await env.text(reportKeys.dailyUsageManifest(day)));
      expect(manifest.sha256).toBe(await env.sha(reportKeys.dailyUsage(day)));
      expect(manifest.complete).toBe(true);
    }
    const rows = parseCsv(await env.text(reportKeys.dailyUsage('2026-10-15')));
    expect(rows[0]!.slice(0, 5)).toEqual([
      'date',
      'email',
      'disk_used_bytes',
      'uploaded_bytes',
      'downloaded_bytes',
    ]);
    const emails = rows.slice(1).map((r) => r[1]!);
    expect(emails).toEqual([...emails].sort());
    // Names that look like formulas reach Excel neutralised.
    const names = rows.slice(1).flatMap((r) => [r[10]!, r[11]!]);
    expect(names.some((n) => n.startsWith("'="))).toBe(true);
    expect(names.every((n) => !/^[=+\-@]/.test(n))).toBe(true);
  });

  it('a re-run of the same month writes byte-identical exports and the same snapshots', async () => {
    const before = await Promise.all(
      MONTH.flatMap((d) => [env.sha(reportKeys.dailyUsage(d)), env.sha(reportKeys.activity(d))]),
    );
    const email = first.outcomes.find((o) => o.outcome === 'stored')!.email;
    const dataOf = async () =>
      (await env.ledger.snapshotsForUser(email, '2026-10-01', '2026-10-31')).map(
        ({ runId: _r, collectedAt: _c, ...data }) => data,
      );
    const snapshotsBefore = await dataOf();
    const again = await runCollection(env.deps(), backfill);
    expect(again.summary.status).toBe('succeeded');
    // A backfill collects every day of its range again (that is how corrected figures come in).
    expect(again.summary.userDaysStored).toBe(first.summary.userDaysStored);
    const resumed = await runCollection(env.deps(), { ...backfill, onlyMissing: true });
    expect(resumed.summary).toMatchObject({ status: 'succeeded', userDaysStored: 0, onlyMissing: true });
    const after = await Promise.all(
      MONTH.flatMap((d) => [env.sha(reportKeys.dailyUsage(d)), env.sha(reportKeys.activity(d))]),
    );
    expect(after).toEqual(before);
    expect(await dataOf()).toEqual(snapshotsBefore);
  });

  it('the nightly run re-collects yesterday and the 3 days before it, with identical results', async () => {
    const window = ['2026-10-28', '2026-10-29', '2026-10-30', '2026-10-31'];
    const before = await Promise.all(window.map((d) => env.sha(reportKeys.activity(d))));
    const nightly = await runCollection(env.deps(), { kind: 'nightly' });
    const signedUp = first.outcomes.filter((o) => o.outcome !== 'skipped').length;
    expect(nightly.summary).toMatchObject({
      from: '2026-10-28',
      to: '2026-10-31',
      status: 'succeeded',
      userDaysStored: signedUp * 4,
    });
    expect(await Promise.all(window.map((d) => env.sha(reportKeys.activity(d))))).toEqual(before);
  });

  it('records runs with per-user outcomes, newest first', async () => {
    const runs = await env.ledger.listRuns(10);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.map((r) => r.startedAt)).toEqual([...runs.map((r) => r.startedAt)].sort().reverse());
    const outcomes = await env.ledger.userOutcomes(first.summary.runId);
    expect(outcomes).toHaveLength(50);
  });
});
