import { describe, expect, it } from 'vitest';
import { nextRuns } from '../../lambdas/status/schedule.ts';

const at = (iso: string) => new Date(iso);
const berlin = {
  timezone: 'Europe/Berlin',
  nightly: { hour: 2, minute: 30 },
  monthly: { day: 4, hour: 6, minute: 0 },
};

describe('next scheduled runs', () => {
  it('is later today before the hour, tomorrow after it, in the schedule time zone', () => {
    expect(nextRuns(berlin, at('2026-11-10T00:00:00Z')).nightly.toISOString()).toBe(
      '2026-11-10T01:30:00.000Z',
    );
    expect(nextRuns(berlin, at('2026-11-10T01:30:00Z')).nightly.toISOString()).toBe(
      '2026-11-11T01:30:00.000Z',
    );
  });

  it('follows daylight saving time, and the monthly run rolls into the next month (and year)', () => {
    expect(nextRuns(berlin, at('2026-07-10T12:00:00Z')).nightly.toISOString()).toBe(
      '2026-07-11T00:30:00.000Z',
    );
    expect(nextRuns(berlin, at('2026-12-05T00:00:00Z')).monthly.toISOString()).toBe(
      '2027-01-04T05:00:00.000Z',
    );
    expect(nextRuns(berlin, at('2026-12-03T00:00:00Z')).monthly.toISOString()).toBe(
      '2026-12-04T05:00:00.000Z',
    );
  });
});
