import { afterEach, describe, expect, it } from 'vitest';
import { daysBetween } from '../../lambdas/calendar/days.ts';
import { RunFailedError, runCollection } from '../../lambdas/collect/run-collection.ts';
import type { LedgerStore } from '../../lambdas/ledger/ports.ts';
import { startLedger } from '../support/ledger.ts';

// How a run spends its API concurrency, and what the directory refresh beside it guarantees.
const TODAY = '2026-11-01';
const backfill = { kind: 'backfill' as const, from: '2026-10-25', to: '2026-10-31' };
let env: Awaited<ReturnType<typeof startLedger>> | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const signedUpBefore = (e: NonNullable<typeof env>, day: string) =>
  [...e.sim.model.users.values()].filter((u) => u.signedUp && u.createdDay <= day);

describe('API concurrency', () => {
  it("asks for a user's days side by side: more requests in flight than users being collected", async () => {
    env = await startLedger({ today: TODAY, users: 4, historyStart: '2026-09-01', latencyMs: 25 });
    const users = signedUpBefore(env, backfill.from).length;
    expect(users).toBeGreaterThan(0);
    // One request at a time per user could never reach this; the days of each user can.
    const concurrency = users + 2;
    const result = await runCollection(env.deps({ concurrency }), backfill);
    expect(result.summary.status).toBe('succeeded');
    expect(env.sim.stats.peakInFlight).toBe(concurrency);
  });

  it('never has more requests in flight than the run concurrency, however many users and days wait', async () => {
    env = await startLedger({ today: TODAY, users: 30, historyStart: '2026-09-01', latencyMs: 10 });
    // The client's connection pool allows 8: the limit seen here is the run's own.
    const result = await runCollection(env.deps({ concurrency: 3 }), backfill);
    expect(result.summary.status).toBe('succeeded');
    expect(result.summary.userDaysStored).toBeGreaterThan(30 * 3);
    expect(env.sim.stats.peakInFlight).toBe(3);
  });
});

describe('the directory written beside the collection', () => {
  it("moves every new user's cursor: a cursor waits for its profile", async () => {
    env = await startLedger({ today: TODAY, users: 30, historyStart: '2026-09-01' });
    const deps = env.deps();
    // A slow directory write: users finish collecting long before their profiles exist.
    const ledger: LedgerStore = {
      ...deps.ledger,
      putProfiles: async (profiles) => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        await deps.ledger.putProfiles(profiles);
      },
    };
    const result = await runCollection({ ...deps, ledger }, backfill);
    expect(result.summary.status).toBe('succeeded');
    const profiles = new Map((await env.ledger.listProfiles()).map((p) => [p.email, p]));
    const expected = signedUpBefore(env, backfill.from);
    expect(expected.length).toBeGreaterThan(5);
    for (const user of expected)
      expect(profiles.get(user.email)?.collectedThrough, user.email).toBe('2026-10-31');
  });

  it('a directory that cannot be written fails the run, moves no cursor, and keeps the stored days', async () => {
    env = await startLedger({ today: TODAY, users: 10, historyStart: '2026-09-01' });
    const deps = env.deps();
    const ledger: LedgerStore = {
      ...deps.ledger,
      putProfiles: () => Promise.reject(new Error('ProvisionedThroughputExceeded on the profiles')),
    };
    const error = await runCollection({ ...deps, ledger }, backfill).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailedError);
    const summary = (error as RunFailedError).summary;
    expect(summary.status).toBe('failed');
    expect(summary.error).toContain('ledger store failed');
    expect(summary.error).toContain('ProvisionedThroughputExceeded on the profiles');
    expect((await env.ledger.getRun(summary.runId))?.status).toBe('failed');
    // No profile, so no cursor: the next run collects the same days again from the stored ones.
    expect(await env.ledger.listProfiles()).toEqual([]);
    const user = signedUpBefore(env, backfill.from)[0]!;
    const stored = await env.ledger.storedDays(user.email, backfill.from, backfill.to);
    expect([...stored].sort()).toEqual(daysBetween(backfill.from, backfill.to));
  });
});
