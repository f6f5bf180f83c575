import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daysBetween, minusDays, utcToday } from '../../lambdas/calendar/days.ts';
import { runCollection } from '../../lambdas/collect/run-collection.ts';
import { parseCsv } from '../../lambdas/reports/csv.ts';
import { reportKeys } from '../../lambdas/reports/layout.ts';
import { E2Simulator } from '../../local/simulator/server.ts';
import { runCollectCli } from '../support/cli.ts';
import { startLedger } from '../support/ledger.ts';
import { TEST_TOKEN } from '../support/sim.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('collection under failure', () => {
  it('with 5% 500s, 1% hangs and malformed JSON every user-day ends stored or recorded failed, and a second run completes them', async () => {
    const env = await startLedger({
      today: '2026-11-01',
      users: 24,
      faults: { error500Rate: 0.05, hangRate: 0.01, malformedRate: 0.02 },
    });
    stops.push(env.stop);
    const request = { kind: 'backfill' as const, from: '2026-10-20', to: '2026-10-31' };
    // Few attempts, so that some user-days really fail and must be completed by the second run.
    const first = await runCollection({ ...env.deps({ timeoutMs: 200 }), dayAttempts: 1 }, request);
    const planned = daysBetween(request.from, request.to);
    // Days before an account existed are neither stored nor failed: there is nothing to collect.
    const createdDay = (email: string) => env.sim.model.users.get(email.toLowerCase())!.createdDay;
    const attempted = first.outcomes.filter((o) => o.outcome !== 'skipped');
    expect(attempted.length).toBeGreaterThan(10);
    for (const outcome of attempted) {
      const stored = await env.ledger.storedDays(outcome.email, request.from, request.to);
      const failed = new Set(outcome.failures.map((f) => f.day));
      for (const day of planned.filter((d) => d >= createdDay(outcome.email)))
        expect(stored.has(day) !== failed.has(day), `${outcome.email} ${day}`).toBe(true);
      for (const f of outcome.failures)
        expect(f.code).toMatch(/request_processing_failed|E2_TIMEOUT|E2ResponseError|E2PaginationError/);
    }
    expect(
      env.sim.stats.faults.error500 + env.sim.stats.faults.hang + env.sim.stats.faults.malformed,
    ).toBeGreaterThan(0);

    env.sim.faults = { error500Rate: 0, rate429: 0, hangRate: 0, malformedRate: 0 };
    const second = await runCollection(env.deps(), request);
    expect(second.summary.status).toBe('succeeded');
    const users = (await env.deps().e2.users.list()).filter((u) => u.is_signed_up);
    expect(users.length).toBeGreaterThan(10);
    for (const user of users)
      expect((await env.ledger.storedDays(user.email, request.from, request.to)).size).toBe(
        planned.filter((d) => d >= createdDay(user.email)).length,
      );
    if (first.summary.userDaysFailed > 0) {
      const manifest = JSON.parse(
        await env.text(
          reportKeys.dailyUsageManifest(first.outcomes.find((o) => o.failures.length)!.failures[0]!.day),
        ),
      );
      expect(manifest.complete).toBe(true);
    }
  });

  it('a day that could not be collected stays visibly missing in the daily usage file, never zero', async () => {
    const env = await startLedger({ today: '2026-11-01', users: 12 });
    stops.push(env.stop);
    const users = (await env.deps().e2.users.list()).filter(
      (u) => u.is_signed_up && u.account_creation_timestamp! < '2026-10-01',
    );
    const victim = users[0]!.email;
    // The victim's calls fail (after retries); everyone else's succeed.
    env.sim.failingEmails.add(victim.toLowerCase());
    const result = await runCollection(env.deps(), {
      kind: 'backfill',
      from: '2026-10-10',
      to: '2026-10-10',
    });
    expect(result.summary.status).toBe('failed');
    const failed = result.outcomes.find((o) => o.email === victim)!;
    expect(failed.failures).toEqual([
      expect.objectContaining({ day: '2026-10-10', code: 'request_processing_failed' }),
    ]);
    const rows = parseCsv(await env.text(reportKeys.dailyUsage('2026-10-10')));
    const row = rows.find((r) => r[1] === victim)!;
    expect(row.slice(2, 6)).toEqual(['', '', '', 'missing']);
    const manifest = JSON.parse(await env.text(reportKeys.dailyUsageManifest('2026-10-10')));
    expect(manifest).toMatchObject({ complete: false, missingUsers: [victim] });
  });

  it('a collector killed mid-run loses and duplicates nothing: the next run completes the range', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'e2l-kill-'));
    const today = utcToday(new Date());
    const from = minusDays(today, 8);
    const to = minusDays(today, 1);
    const sim = new E2Simulator({ seed: 5, users: 30, token: TEST_TOKEN, latencyMs: 3, activityScale: 3 });
    const url = await sim.start(0);
    stops.push(async () => {
      await sim.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const run = (killAfterRequests?: number) =>
      runCollectCli(sim, {
        url,
        token: TEST_TOKEN,
        from,
        to,
        dataDir,
        concurrency: 4,
        ...(killAfterRequests === undefined ? {} : { killAfterRequests }),
      });
    expect(await run(60)).toBe('SIGKILL');
    expect(await run()).toBe('exit 0');

    const env = await startLedger({ today, users: 1 }, dataDir);
    stops.unshift(env.stop);
    const e2 = env.deps().e2;
    const { E2Client } = await import('../../lambdas/e2/client.ts');
    const api = new E2Client({ apiUrl: url, token: TEST_TOKEN });
    const users = (await api.users.list()).filter((u) => u.is_signed_up);
    const days = daysBetween(from, to);
    expect(users.length).toBeGreaterThan(10);
    for (const user of users) {
      const created = sim.model.users.get(user.email.toLowerCase())!.createdDay;
      expect((await env.ledger.storedDays(user.email, from, to)).size).toBe(
        days.filter((d) => d >= created).length,
      );
    }
    for (const day of [from, to]) {
      let total = 0;
      for (const user of users)
        total += (await api.users.activityPage(user.email, day, day, 1)).pagination.total_records;
      const rows = parseCsv(await env.text(reportKeys.activity(day))).slice(1);
      expect(rows).toHaveLength(total);
      expect(new Set(rows.map((r) => r.join('\u0001'))).size).toBe(total);
    }
    await api.close();
    void e2;
  });
});
