import { addDays, differenceInCalendarDays, formatISO, parseISO, subDays } from 'date-fns';

/** UTC calendar-day arithmetic on `yyyy-MM-dd` strings (date-fns on UTC-midnight dates). */

export function utcToday(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function plusDays(day: string, n: number): string {
  return formatISO(addDays(parseISO(day), n), { representation: 'date' });
}

export function minusDays(day: string, n: number): string {
  return formatISO(subDays(parseISO(day), n), { representation: 'date' });
}

/** Every day from `from` to `to` inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const n = differenceInCalendarDays(parseISO(to), parseISO(from));
  return Array.from({ length: Math.max(0, n + 1) }, (_, i) => plusDays(from, i));
}

/** Splits sorted days into contiguous ranges of at most `maxDays`. */
export function contiguousChunks(
  days: readonly string[],
  maxDays: number,
): { from: string; to: string; days: string[] }[] {
  const chunks: { from: string; to: string; days: string[] }[] = [];
  for (const day of days) {
    const last = chunks.at(-1);
    if (last && plusDays(last.to, 1) === day && last.days.length < maxDays) {
      last.to = day;
      last.days.push(day);
    } else {
      chunks.push({ from: day, to: day, days: [day] });
    }
  }
  return chunks;
}

/** The UTC day of an API timestamp (`2025-01-31T10:00:00Z`, `2025-01-31`, or epoch seconds/ms), or null. */
export function dayOfTimestamp(value: string | null): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d{9,13}$/.test(trimmed)) {
    const n = Number(trimmed);
    return new Date(trimmed.length <= 10 ? n * 1000 : n).toISOString().slice(0, 10);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return trimmed;
  const parsed = Date.parse(
    /[zZ]|[+-]\d{2}:?\d{2}$/.test(trimmed) ? trimmed : `${trimmed.replace(' ', 'T')}Z`,
  );
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString().slice(0, 10);
}
