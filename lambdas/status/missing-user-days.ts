import { daysBetween } from '../calendar/days.ts';
import { expectedUsers } from '../ledger/expected-users.ts';
import type { UserProfile } from '../ledger/model.ts';
import type { LedgerStore } from '../ledger/ports.ts';

export type MissingUserDays = {
  readonly from: string;
  readonly to: string;
  /** Every expected user-day without a snapshot, oldest first. */
  readonly missing: readonly { readonly email: string; readonly day: string }[];
};

/** User-days in from..to that should have a snapshot (signed up, existing, not removed) and have none. */
export async function missingUserDays(
  ledger: Pick<LedgerStore, 'storedDaysByUser'>,
  profiles: readonly UserProfile[],
  from: string,
  to: string,
): Promise<MissingUserDays> {
  const stored = await ledger.storedDaysByUser(from, to);
  const missing: { email: string; day: string }[] = [];
  for (const day of daysBetween(from, to))
    for (const p of expectedUsers(profiles, day))
      if (!stored.get(p.email)?.has(day)) missing.push({ email: p.email, day });
  return { from, to, missing };
}
