import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollection } from '../../lambdas/collect/run-collection.ts';
import { failuresWithResolution } from '../../lambdas/status/failures.ts';
import { ledgerStatus } from '../../lambdas/status/ledger-status.ts';
import { DEFAULT_SCHEDULE } from '../../lambdas/status/schedule.ts';
import { startLedger } from '../support/ledger.ts';

let env: Awaited<ReturnType<typeof startLedger>>;
beforeAll(async () => {
  env = await startLedger({ today: '2026-11-01', users: 10, historyStart: '2026-09-01' });
});
afterAll(() => env.stop());

const at = (iso: string) => () => new Date(iso);
const status = (now: string) =>
  ledgerStatus({
    ledger: env.ledger,
    objects: env.objects,
    rateCardKey: 'config/rate-card.json',
    schedule: DEFAULT_SCHEDULE,
    recollectDays: 3,
    now: at(now),
  });

describe('ledger status', () => {
  it('names what is missing, the failure behind it and what runs next, then sees a later run resolve it', async () => {
    const victim = [...env.sim.model.users.values()].find(
      (u) => u.signedUp && u.createdDay <= '2026-09-27',
    )!.email;
    // Everything since the status window opened (35 days back from yesterday), but one customer fails.
    env.sim.failingEmails.add(victim.toLowerCase());
    const failed = await runCollection(env.deps({ now: at('2026-11-01T03:00:00Z') }), {
      kind: 'backfill',
      from: '2026-09-27',
      to: '2026-10-31',
    });
    env.sim.failingEmails.clear();
    expect(failed.summary.status).toBe('failed');

    const before = await status('2026-11-01T08:00:00Z');
    expect(before.missing).toMatchObject({
      from: '2026-09-27',
      to: '2026-10-31',
      userDays: 35,
      customers: 1,
    });
    expect(before.missing.pastRecollectionWindow).toBe(31); // 2026-10-28..31 are still re-collected nightly
    expect(before.oldestUnresolvedFailure).toMatchObject({
      email: victim,
      day: '2026-09-27',
      runId: failed.summary.runId,
    });
    expect(before.lastRun).toMatchObject({
      runId: failed.summary.runId,
      status: 'failed',
      userDaysFailed: 35,
    });
    expect(before.lastNightly).toBeNull();
    expect(before.rateCard).toEqual({ key: 'config/rate-card.json', present: false });
    expect(before.nextNightly).toBe('2026-11-02T02:30:00.000Z');
    expect(before.nextMonthly).toBe('2026-11-04T06:00:00.000Z');

    const again = await runCollection(env.deps({ now: at('2026-11-01T09:00:00Z') }), {
      kind: 'backfill',
      from: '2026-09-27',
      to: '2026-10-31',
    });
    const after = await status('2026-11-01T10:00:00Z');
    expect(after.missing.userDays).toBe(0);
    expect(after.oldestUnresolvedFailure).toBeNull();
    const marked = await failuresWithResolution(
      env.ledger,
      await env.ledger.userOutcomes(failed.summary.runId),
    );
    expect(marked).toHaveLength(1);
    expect(marked[0]!.failures).toHaveLength(35);
    for (const f of marked[0]!.failures) expect(f.resolvedBy).toBe(again.summary.runId);
  });
});
