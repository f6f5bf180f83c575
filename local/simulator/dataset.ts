import { addDays, differenceInCalendarDays, formatISO, parseISO, startOfMonth, subMonths } from 'date-fns';
import { hash32, unit } from './random.ts';

/**
 * Synthetic, deterministic reseller data: who the users are and what they did each day.
 * Usage and activity are computed from (seed, email, day), never stored, so a 10,000-user
 * simulator costs a few megabytes and answers the same bytes every time.
 */

export type DatasetOptions = {
  readonly seed: number;
  readonly users: number;
  /** The simulator's "today" (UTC, yyyy-MM-dd); data exists up to and including it. */
  readonly today: string;
  /** First day of history; default: the first of the month two months before today. */
  readonly historyStart?: string;
  /** Multiplies the number of activity records per user-day (1 = a few dozen on average). */
  readonly activityScale?: number;
};

export type SeedUser = {
  email: string;
  firstName: string;
  lastName: string | null;
  createdDay: string;
  createdAt: string;
  signedUp: boolean;
  active: boolean;
  quotaGb: number;
  /** Average bytes uploaded per day. */
  dailyRate: number;
  /** Mean activity records per day. */
  activityMean: number;
  /** From this day on, 70% of the account's data is gone (a mass deletion), or null. */
  massDeletionDay: string | null;
};

// Names that exercise CSV quoting and Excel formula neutralisation.
const FIRST_NAMES = [
  'Ana',
  'Zoë',
  'José',
  'Li',
  'Mary-Jane',
  '=HYPERLINK("http://x","y")',
  'Björn',
  'Chloé',
  '+Plus',
  'Noah',
  '@mention',
  'Émile',
  '李',
  'Olivia',
  '-Minus',
  "x;=cmd|' /C calc'!A0",
  '＝SUM(1,2)',
  'Tab\tName',
];
const LAST_NAMES = [
  "O'Brien",
  'Smith, Jr.',
  'Nguyễn',
  '"The Boss" Doe',
  'Line\nBreak',
  'Müller',
  'Kowalski',
  'García',
  null,
  'Tanaka',
];
const DESCRIPTIONS = [
  'Uploaded object photos/2025/IMG_0001.jpg',
  'Deleted bucket "archive, old"',
  'Created access key for bucket backups',
  "=cmd|' /C calc'!A0",
  '+SUM(1,2)',
  '-2+3',
  '@import user list',
  'Login from new device\nLocation: Zürich',
  'Policy changed: "read, write" → "read"',
  'Downloaded report.csv (1,024 bytes)',
  '\tTab-leading description',
  "Renamed x;=cmd|' /C calc'!A0",
  '＋HYPERLINK("http://x")',
  'a\t=1+1',
];

export function defaultHistoryStart(today: string): string {
  return isoDay(startOfMonth(subMonths(parseISO(today), 2)));
}

export function isoDay(date: Date): string {
  return formatISO(date, { representation: 'date' });
}

export function seedUsers(options: DatasetOptions): SeedUser[] {
  const start = options.historyStart ?? defaultHistoryStart(options.today);
  const span = Math.max(1, differenceInCalendarDays(parseISO(options.today), parseISO(start)));
  const scale = options.activityScale ?? 1;
  const users: SeedUser[] = [];
  for (let i = 0; i < options.users; i++) {
    const r = (k: string) => unit(options.seed, i, k);
    const email = `customer${String(i + 1).padStart(4, '0')}+s${options.seed}@example.com`;
    // A third of the accounts exist from the start; the rest appear over the history, some mid-month.
    const createdOffset = i <= 1 || r('created') < 0.34 ? 0 : Math.floor(r('created-day') * span);
    const createdDay = isoDay(addDays(parseISO(start), createdOffset));
    const seconds = Math.floor(r('created-sec') * 86_400);
    const createdAt = `${createdDay}T${String(Math.floor(seconds / 3600)).padStart(2, '0')}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}Z`;
    // Every 10th account is a heavy one; the second account is near a petabyte by the end.
    let dailyRate = Math.floor(1e8 + r('rate') * 5e10);
    if (i % 10 === 9) dailyRate = Math.floor(5e11 + r('rate') * 5e12);
    if (i === 1) dailyRate = 2e13;
    if (i % 17 === 16) dailyRate = 0; // signed up, never used: zero-usage days
    users.push({
      email,
      firstName: FIRST_NAMES[hash32(options.seed, i, 'first') % FIRST_NAMES.length]!,
      lastName: LAST_NAMES[hash32(options.seed, i, 'last') % LAST_NAMES.length]!,
      createdDay,
      createdAt,
      // Every tenth account (from the 4th) was invited but never signed up; every tenth (from the 7th) is disabled.
      signedUp: i % 10 !== 3,
      active: i % 10 !== 6,
      quotaGb: r('quota') < 0.3 ? 0 : 1024 * (1 + Math.floor(r('quota-size') * 100)),
      dailyRate,
      activityMean: (i % 13 === 5 ? 600 : 2 + Math.floor(r('activity') * 40)) * scale,
      massDeletionDay: null,
    });
    const user = users.at(-1)!;
    // Quotas stay above what an account stores (under half of it by today), except every 10th account
    // (from the 9th), sized to be at 95-98% of its quota yesterday: the demo's quota alerts.
    const lifetime = Math.max(1, differenceInCalendarDays(parseISO(options.today), parseISO(createdDay)));
    const stored = dailyRate * lifetime;
    if (user.quotaGb > 0) user.quotaGb = Math.max(user.quotaGb, Math.ceil((2 * stored) / 1e9));
    if (i % 10 === 8 && user.signedUp && dailyRate > 0)
      user.quotaGb = Math.max(1, Math.ceil((stored * 0.985) / 0.965 / 1e9));
    // The fifth account deletes 70% of its data yesterday: the demo's disk-drop alert.
    if (i === 4) user.massDeletionDay = isoDay(addDays(parseISO(options.today), -1));
  }
  return users;
}

export type UsageDay = { date: string; downloads: number; uploads: number; disk_used: number };

/** One user's usage on one day, or null before the account existed or after today. */
export function usageOn(seed: number, user: SeedUser, day: string, today: string): UsageDay | null {
  if (day < user.createdDay || day > today) return null;
  const n = differenceInCalendarDays(parseISO(day), parseISO(user.createdDay));
  const wobble = (k: string) => unit(seed, user.email, day, k);
  const uploads = Math.floor(user.dailyRate * (0.5 + wobble('up')));
  const downloads = Math.floor(uploads * 0.6 * wobble('down'));
  // Disk grows roughly with cumulative uploads, with small deletions; stays an integer.
  const grown = Math.floor(user.dailyRate * (n + 1) * (0.97 + 0.03 * unit(seed, user.email, day, 'disk')));
  const disk = user.massDeletionDay !== null && day >= user.massDeletionDay ? Math.floor(grown * 0.3) : grown;
  return { date: day, downloads, uploads, disk_used: disk };
}

/** How many activity records a user has on a day. */
export function activityCount(seed: number, user: SeedUser, day: string, today: string): number {
  if (!user.signedUp || day < user.createdDay || day > today) return 0;
  const r = unit(seed, user.email, day, 'act');
  if (r < 0.15) return 0; // quiet days
  return Math.floor(user.activityMean * 2 * r);
}

export type ActivityLog = { timestamp: string; description: string; ip: string };

/** The i-th record of a user's day, in time order. */
export function activityRecord(
  seed: number,
  user: SeedUser,
  day: string,
  index: number,
  count: number,
): ActivityLog {
  const second = Math.floor(((index + 0.5) * 86_400) / Math.max(count, 1));
  const hh = String(Math.floor(second / 3600)).padStart(2, '0');
  const mm = String(Math.floor((second % 3600) / 60)).padStart(2, '0');
  const ss = String(second % 60).padStart(2, '0');
  const h = hash32(seed, user.email, day, index);
  return {
    timestamp: `${day}T${hh}:${mm}:${ss}Z`,
    description: `${DESCRIPTIONS[h % DESCRIPTIONS.length]} #${index + 1}`,
    ip: `198.51.${(h >>> 8) & 0xff}.${(h >>> 16) & 0xff}`,
  };
}
