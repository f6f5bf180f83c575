import { calendarDayProblem, rangeIssues } from '../calendar/calendar-values.ts';
import { daysBetween, minusDays, plusDays } from '../calendar/days.ts';

/** What a run should cover: the nightly default or an explicit backfill. */
export type CollectionRequest =
  | { readonly kind: 'nightly' }
  | {
      readonly kind: 'backfill';
      readonly from: string;
      readonly to: string;
      /**
       * Only the days not stored yet (to resume a long backfill cheaply). By default a backfill
       * collects every day of its range again: that is how late or corrected figures come in.
       */
      readonly onlyMissing?: boolean;
    };

export type WindowSettings = {
  /** Days before yesterday that are always collected again, for late data. */
  readonly recollectDays: number;
  /** How far back a user's cursor may pull a nightly run when nights were missed. */
  readonly maxCatchUpDays: number;
  /** The longest range one backfill may cover (one typo must not start years of work). */
  readonly maxRunDays: number;
};

export const defaultWindowSettings: WindowSettings = {
  recollectDays: 3,
  maxCatchUpDays: 62,
  maxRunDays: 400,
};

/** A backfill that cannot run as asked, naming the end of the range at fault. */
export class CollectionRequestError extends Error {
  override name = 'CollectionRequestError';
  constructor(
    readonly field: 'from' | 'to',
    message: string,
  ) {
    super(message);
  }
}

/** The run's overall range, before per-user planning. */
export function runRange(
  request: CollectionRequest,
  today: string,
  settings: WindowSettings,
): { from: string; to: string } {
  const yesterday = minusDays(today, 1);
  if (request.kind === 'nightly')
    return { from: minusDays(yesterday, settings.recollectDays), to: yesterday };
  for (const field of ['from', 'to'] as const) {
    const problem = calendarDayProblem(request[field]);
    if (problem) throw new CollectionRequestError(field, `${request[field]} ${problem}`);
  }
  const [issue] = rangeIssues(request, { maxDays: settings.maxRunDays, latest: yesterday });
  if (issue) throw new CollectionRequestError(issue.path, issue.message);
  return { from: request.from, to: request.to };
}

/**
 * One user's range: the run's range, extended back to the day after the user's cursor on a nightly
 * run when nights were missed (at most `maxCatchUpDays` back).
 */
export function userRange(
  request: CollectionRequest,
  today: string,
  settings: WindowSettings,
  cursor: string | null,
): { from: string; to: string } {
  const range = runRange(request, today, settings);
  if (request.kind !== 'nightly' || cursor === null || cursor >= range.from) return range;
  const floor = minusDays(today, settings.maxCatchUpDays);
  const next = plusDays(cursor, 1);
  // biome-ignore lint/complexity/useMathMinMax: yyyy-MM-dd strings, compared lexically
  return { from: next < floor ? floor : next, to: range.to };
}

/**
 * The days of a range to collect. A nightly: those not stored yet, and every day inside the
 * re-collection window. A backfill: every day (or only the missing ones, when it says so).
 */
export function daysToCollect(
  request: CollectionRequest,
  range: { from: string; to: string },
  today: string,
  settings: WindowSettings,
  storedDays: ReadonlySet<string>,
): string[] {
  const days = daysBetween(range.from, range.to);
  if (request.kind === 'backfill' && !request.onlyMissing) return days;
  const recollectFrom = minusDays(today, 1 + settings.recollectDays);
  return days.filter((day) => (request.kind === 'nightly' && day >= recollectFrom) || !storedDays.has(day));
}
