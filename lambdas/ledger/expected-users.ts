import type { UserProfile } from './model.ts';

/**
 * The calendar rule of the ledger: who should have a snapshot on `day`. Signed up, existing by then
 * (days before an account existed have nothing to collect), and not removed before it.
 */
export function expectedUsers(profiles: readonly UserProfile[], day: string): UserProfile[] {
  return profiles
    .filter(
      (p) =>
        p.isSignedUp &&
        (p.createdDay === null || p.createdDay <= day) &&
        (p.removedAt === null || p.removedAt.slice(0, 10) > day),
    )
    .sort((a, b) => compareEmail(a.email, b.email));
}

const compareEmail = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
