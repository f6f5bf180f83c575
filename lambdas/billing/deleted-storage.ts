import { differenceInCalendarDays, parseISO } from 'date-fns';

/** One known day of an account: disk used at the end of the day and bytes uploaded during it. */
export type DayUsage = { readonly day: string; readonly diskBytes: bigint; readonly uploadedBytes: bigint };

/**
 * Which stored bytes a deletion removes. We see daily totals, not objects, so this is a rule:
 * `newest_first` (the most recent uploads go first: the youngest bytes, the highest early-deletion
 * cost, the conservative estimate) or `oldest_first` (the lowest, the other end of the range).
 */
export type CohortOrder = 'newest_first' | 'oldest_first';

/** Bytes deleted on `day` that had been stored `ageDays` (uploaded on `uploadedOn`). */
export type Deletion = {
  readonly day: string;
  readonly bytes: bigint;
  /** null: the bytes were there before the history began (older than the minimum duration). */
  readonly uploadedOn: string | null;
  readonly ageDays: number | null;
  /** Days of the minimum storage duration still to run, billed as deleted storage (0 if none). */
  readonly remainingDays: number;
};

export const DELETED_STORAGE_METHOD =
  'deleted bytes per day = max(0, disk[previous day] + uploaded[day] - disk[day]); growth beyond the ' +
  "day's uploads counts as bytes stored that day; bytes present when the history starts are older than " +
  'the minimum duration; deletions take the newest bytes first (the conservative, highest-cost estimate); ' +
  'bytes deleted at an age under the minimum duration are billed for the remaining days, in the month ' +
  'of deletion, at the active storage price per unit-month (one day = 1/days-in-month of a unit-month). ' +
  'An estimate from daily totals, not a count of objects.';

/**
 * Replays an account's days (sorted, gaps allowed: a step runs from the previous known day, and bytes
 * uploaded on a missing day show as growth on the next known one), keeping cohorts of bytes by the day
 * they were stored, and returns every deletion with its age.
 * `startsEmpty`: the account was created on or after the first day given (its first disk is new bytes);
 * otherwise the first day's disk is the oldest cohort.
 */
export function replayDeletions(
  days: readonly DayUsage[],
  options: { readonly minimumDays: number; readonly order: CohortOrder; readonly startsEmpty: boolean },
): Deletion[] {
  const cohorts: { day: string | null; bytes: bigint }[] = [];
  const deletions: Deletion[] = [];
  let previous = 0n;
  for (const [i, today] of days.entries()) {
    if (i === 0 && !options.startsEmpty) {
      if (today.diskBytes > 0n) cohorts.push({ day: null, bytes: today.diskBytes });
      previous = today.diskBytes;
      continue;
    }
    if (today.uploadedBytes > 0n) cohorts.push({ day: today.day, bytes: today.uploadedBytes });
    const removed = previous + today.uploadedBytes - today.diskBytes;
    if (removed < 0n) cohorts.push({ day: today.day, bytes: -removed });
    let toRemove = removed > 0n ? removed : 0n;
    while (toRemove > 0n && cohorts.length > 0) {
      const index = options.order === 'newest_first' ? cohorts.length - 1 : 0;
      const cohort = cohorts[index]!;
      const taken = cohort.bytes < toRemove ? cohort.bytes : toRemove;
      const ageDays =
        cohort.day === null ? null : differenceInCalendarDays(parseISO(today.day), parseISO(cohort.day));
      deletions.push({
        day: today.day,
        bytes: taken,
        uploadedOn: cohort.day,
        ageDays,
        remainingDays: ageDays === null ? 0 : Math.max(0, options.minimumDays - ageDays),
      });
      cohort.bytes -= taken;
      toRemove -= taken;
      if (cohort.bytes === 0n) cohorts.splice(index, 1);
    }
    previous = today.diskBytes;
  }
  return deletions;
}
