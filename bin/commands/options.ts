import { InvalidArgumentError } from 'commander';
import { calendarDayProblem, calendarMonthProblem } from '../../lambdas/calendar/calendar-values.ts';

/** Commander argument parsers that fail with a message naming what is wrong. */

export function positiveInt(name: string, max = 1_000_000) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}, got "${value}"`);
    }
    return Number(value);
  };
}

export function nonNegativeInt(name: string, max = 1_000_000) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 0 to ${max}, got "${value}"`);
    }
    return Number(value);
  };
}

export function rate(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      throw new InvalidArgumentError(`${name} must be a fraction from 0 to 1 (e.g. 0.05), got "${value}"`);
    }
    return n;
  };
}

export function day(name: string) {
  return (value: string): string => {
    const problem = calendarDayProblem(value);
    if (problem)
      throw new InvalidArgumentError(
        `${name} must be a UTC calendar day as YYYY-MM-DD: "${value}" ${problem}`,
      );
    return value;
  };
}

export function month(name: string) {
  return (value: string): string => {
    const problem = calendarMonthProblem(value);
    if (problem) throw new InvalidArgumentError(`${name} ${problem}, got "${value}"`);
    return value;
  };
}

/** A non-negative amount of money as written on a bill: digits, at most one point, no sign or grouping. */
export function amount(name: string) {
  return (value: string): string => {
    if (!/^\d{1,15}(\.\d{1,6})?$/.test(value))
      throw new InvalidArgumentError(
        `${name} must be an amount such as 1234.56 (no currency sign or thousands separator), got "${value}"`,
      );
    return value;
  };
}

/** Bad usage or input (a flag, a file, a directory): exit status 2, a one-line reason, nothing done. */
export class UsageError extends Error {
  override name = 'UsageError';
}
