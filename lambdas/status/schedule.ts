import * as z from 'zod';

/** When the schedules run, as the stack deploys them (E2L_SCHEDULE in the functions' environment). */
export const scheduleSchema = z
  .object({
    timezone: z.string().min(1),
    nightly: z
      .object({ hour: z.number().int().min(0).max(23), minute: z.number().int().min(0).max(59) })
      .strict(),
    monthly: z
      .object({
        day: z.number().int().min(1).max(28),
        hour: z.number().int().min(0).max(23),
        minute: z.number().int().min(0).max(59),
      })
      .strict(),
  })
  .strict();
export type ScheduleSettings = z.infer<typeof scheduleSchema>;

/** The stack's defaults (cdk.json): nightly at 02:30, invoices on the 4th at 06:00, UTC. */
export const DEFAULT_SCHEDULE: ScheduleSettings = {
  timezone: 'UTC',
  nightly: { hour: 2, minute: 30 },
  monthly: { day: 4, hour: 6, minute: 0 },
};

/** The offset of `timeZone` from UTC at `instant`, in minutes (e.g. 60 for Europe/Berlin in winter). */
function offsetMinutes(timeZone: string, instant: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    +parts.year!,
    +parts.month! - 1,
    +parts.day!,
    +parts.hour!,
    +parts.minute!,
    +parts.second!,
  );
  return Math.round((asUtc - instant) / 60_000);
}

/** The instant of a wall-clock time in `timeZone` (a time skipped by a DST change moves forward). */
function instantOf(timeZone: string, y: number, m: number, d: number, hour: number, minute: number): number {
  const guess = Date.UTC(y, m, d, hour, minute);
  const first = guess - offsetMinutes(timeZone, guess) * 60_000;
  return guess - offsetMinutes(timeZone, first) * 60_000;
}

function localDate(timeZone: string, instant: number): { y: number; m: number; d: number } {
  const shifted = new Date(instant + offsetMinutes(timeZone, instant) * 60_000);
  return { y: shifted.getUTCFullYear(), m: shifted.getUTCMonth(), d: shifted.getUTCDate() };
}

/** The next nightly and monthly run after `now`. */
export function nextRuns(schedule: ScheduleSettings, now: Date): { nightly: Date; monthly: Date } {
  const tz = schedule.timezone;
  const t = now.getTime();
  const today = localDate(tz, t);
  let nightly = instantOf(tz, today.y, today.m, today.d, schedule.nightly.hour, schedule.nightly.minute);
  if (nightly <= t)
    nightly = instantOf(tz, today.y, today.m, today.d + 1, schedule.nightly.hour, schedule.nightly.minute);
  const { day, hour, minute } = schedule.monthly;
  let monthly = instantOf(tz, today.y, today.m, day, hour, minute);
  if (monthly <= t) monthly = instantOf(tz, today.y, today.m + 1, day, hour, minute);
  return { nightly: new Date(nightly), monthly: new Date(monthly) };
}
