import * as z from 'zod';

/**
 * The one calendar-true day and month type for every boundary (HTTP, CLI, Lambda events, the IDrive
 * client). A day must exist (no 2026-02-30, 2026-13-01, 2026-00-10, 2026-11-31) and lie within the
 * years anyone could mean for this ledger; the range rules that depend on today (at most yesterday,
 * at most N days) are checked where they apply, with `dayRange`.
 */

/** No IDrive e2 account is older than this; an earlier day is a typo (1900, 2016 for 2026). */
export const EARLIEST_DAY = '2020-01-01';
export const LATEST_DAY = '2099-12-31';

/** Whether `yyyy-MM-dd` names a day that exists in the proleptic Gregorian calendar. */
export function isCalendarDay(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export const calendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a yyyy-MM-dd date')
  .refine(isCalendarDay, { message: 'is not a day of the calendar', abort: true })
  .refine((d) => d >= EARLIEST_DAY && d <= LATEST_DAY, `must be from ${EARLIEST_DAY} to ${LATEST_DAY}`);

/** The shape of a month, YYYY-MM: for decoding stored items, which may predate today's input bounds. */
export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

/** A month given as input: its shape and the supported years. */
export const calendarMonth = z
  .string()
  .regex(MONTH_PATTERN, 'must be a month as YYYY-MM')
  .refine(
    (m) => m >= EARLIEST_DAY.slice(0, 7) && m <= LATEST_DAY.slice(0, 7),
    `must be from ${EARLIEST_DAY.slice(0, 7)} to ${LATEST_DAY.slice(0, 7)}`,
  );

/** The reason a value is not a calendar day, or null when it is one (for CLI parsers and messages). */
export function calendarDayProblem(value: string): string | null {
  const parsed = calendarDay.safeParse(value);
  return parsed.success ? null : parsed.error.issues[0]!.message;
}

export function calendarMonthProblem(value: string): string | null {
  const parsed = calendarMonth.safeParse(value);
  return parsed.success ? null : parsed.error.issues[0]!.message;
}

const DAY_MS = 86_400_000;

/** Days from `from` to `to` inclusive (both calendar days). */
export function dayCount(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/**
 * The rules of a from..to range, as issues on the field that breaks them: `from` not after `to`, at
 * most `maxDays` days, and (for collection) `to` not after `latest` (yesterday: only complete days).
 */
export function rangeIssues(
  range: { from: string; to: string },
  rules: { maxDays: number; latest?: string },
): { path: 'from' | 'to'; message: string }[] {
  const issues: { path: 'from' | 'to'; message: string }[] = [];
  if (!isCalendarDay(range.from) || !isCalendarDay(range.to)) return issues;
  if (range.from > range.to)
    issues.push({ path: 'from', message: `the range starts on ${range.from}, after it ends (${range.to})` });
  else if (dayCount(range.from, range.to) > rules.maxDays)
    issues.push({
      path: 'to',
      message: `the range is ${dayCount(range.from, range.to)} days; at most ${rules.maxDays} at a time`,
    });
  if (rules.latest && range.to > rules.latest)
    issues.push({
      path: 'to',
      message: `${range.to} is after ${rules.latest} (yesterday, UTC): only complete days can be collected`,
    });
  return issues;
}
