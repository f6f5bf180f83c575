import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysBetween } from '../../lambdas/calendar/days.ts';
import { runCollection } from '../../lambdas/collect/run-collection.ts';
import { startLedger } from '../support/ledger.ts';

let env: Awaited<ReturnType<typeof startLedger>>;
beforeAll(async () => {
  env = await startLedger({ today: '2026-11-01', users: 10, historyStart: '2026-09-01' });
});
afterAll(() => env.stop());

const at = (day: string) => () => new Date(`${day}T03:00:00Z`);

describe('nightly catch-up', () => {
  it('collects the nights that were missed, from each user cursor, without a backfill', async () => {
    const first = await runCollection(env.deps({ now: at('2026-10-20') }), { kind: 'nightly' });
    expect(first.summary).toMatchObject({ from: '2026-10-16', to: '2026-10-19', status: 'succeeded' });
    const users = (await env.deps().e2.users.list()).filter((u) => u.is_signed_up);
    const profiles = new Map((await env.ledger.listProfiles()).map((p) => [p.email, p]));
    expect(users.length).toBeGreaterThan(5);
    for (const u of users) expect(profiles.get(u.email)!.collectedThrough).toBe('2026-10-19');

    // Ten nights pass without a run; the next nightly picks up from each cursor.
    const later = await runCollection(env.deps({ now: at('2026-10-31') }), { kind: 'nightly' });
    expect(later.summary).toMatchObject({ from: '2026-10-27', to: '2026-10-30', status: 'succeeded' });
    expect(later.summary.exportedDays).toEqual(daysBetween('2026-10-20', '2026-10-30'));
    for (const u of users) {
      expect((await env.ledger.storedDays(u.email, '2026-10-16', '2026-10-30')).size).toBe(15);
    }
    const after = new Map((await env.ledger.listProfiles()).map((p) => [p.email, p]));
    for (const u of users) expect(after.get(u.email)!.collectedThrough).toBe('2026-10-30');
  });
});
