import { describe, expect, it } from 'vitest';
import { contiguousChunks, dayOfTimestamp, daysBetween } from '../../lambdas/calendar/days.ts';
import {
  CollectionRequestError,
  daysToCollect,
  defaultWindowSettings,
  runRange,
  userRange,
} from '../../lambdas/collect/window.ts';

const settings = defaultWindowSettings; // re-collect 3 days, catch up at most 62
const today = '2026-03-10';

describe('the nightly window', () => {
  it('is yesterday and the 3 days before it', () => {
    expect(runRange({ kind: 'nightly' }, today, settings)).toEqual({ from: '2026-03-06', to: '2026-03-09' });
  });

  it('catches a user up from the day after its cursor when nights were missed', () => {
    expect(userRange({ kind: 'nightly' }, today, settings, '2026-02-27')).toEqual({
      from: '2026-02-28',
      to: '2026-03-09',
    });
  });

  it('never reaches further back than maxCatchUpDays', () => {
    expect(userRange({ kind: 'nightly' }, today, settings, '2025-01-01')).toEqual({
      from: '2026-01-07',
      to: '2026-03-09',
    });
  });

  it('a nightly collects only missing days plus the re-collection window; a backfill every day, unless only missing', () => {
    const stored = new Set(daysBetween('2026-02-01', '2026-03-09').filter((d) => d !== '2026-02-14'));
    const range = { from: '2026-02-01', to: '2026-03-09' };
    expect(daysToCollect({ kind: 'backfill', ...range }, range, today, settings, stored)).toHaveLength(37);
    expect(
      daysToCollect({ kind: 'backfill', ...range, onlyMissing: true }, range, today, settings, stored),
    ).toEqual(['2026-02-14']);
    expect(daysToCollect({ kind: 'nightly' }, range, today, settings, stored)).toEqual([
      '2026-02-14',
      '2026-03-06',
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
    ]);
  });
});

describe('backfills', () => {
  it('refuse ranges that end after yesterday or run backwards', () => {
    expect(() =>
      runRange({ kind: 'backfill', from: '2026-03-01', to: '2026-03-10' }, today, settings),
    ).toThrow(CollectionRequestError);
    expect(() =>
      runRange({ kind: 'backfill', from: '2026-03-05', to: '2026-03-01' }, today, settings),
    ).toThrow(/the range starts on 2026-03-05, after it ends \(2026-03-01\)/);
    expect(() =>
      runRange({ kind: 'backfill', from: '2026-02-30', to: '2026-03-01' }, today, settings),
    ).toThrow(/2026-02-30 is not a day of the calendar/);
    expect(() =>
      runRange({ kind: 'backfill', from: '2020-01-01', to: '2026-03-01' }, today, settings),
    ).toThrow(/at most 400 at a time/);
  });

  it('split long ranges into chunks the API accepts', () => {
    const chunks = contiguousChunks(daysBetween('2025-12-01', '2026-03-09'), 31);
    expect(chunks.map((c) => [c.from, c.to])).toEqual([
      ['2025-12-01', '2025-12-31'],
      ['2026-01-01', '2026-01-31'],
      ['2026-02-01', '2026-03-03'],
      ['2026-03-04', '2026-03-09'],
    ]);
    expect(contiguousChunks(['2026-01-01', '2026-01-03'], 31)).toHaveLength(2);
  });
});

describe('account creation timestamps', () => {
  it('read as UTC days in the forms an API may send', () => {
    expect(dayOfTimestamp('2026-01-31T23:30:00Z')).toBe('2026-01-31');
    expect(dayOfTimestamp('2026-01-31T23:30:00-05:00')).toBe('2026-02-01');
    expect(dayOfTimestamp('2026-01-31 10:00:00')).toBe('2026-01-31');
    expect(dayOfTimestamp('2026-01-31')).toBe('2026-01-31');
    expect(dayOfTimestamp('1769817600')).toBe('2026-01-31');
    expect(dayOfTimestamp('garbage')).toBeNull();
    expect(dayOfTimestamp(null)).toBeNull();
  });
});
