/**
 * Where usage comes from: the customer list, each customer's daily figures and activity log. In
 * production the IDrive e2 Reseller API (lambdas/e2/usage-source.ts); collection knows only this.
 */

/** A customer account as the source lists it. */
export type Customer = {
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  /** As the source sent it. */
  readonly accountCreatedAt: string | null;
  /** The UTC day the account was created, when the timestamp could be read. */
  readonly createdDay: string | null;
  readonly isSignedUp: boolean;
  readonly isActive: boolean;
  /** GB; 0 = unlimited. */
  readonly storageQuotaGb: number;
};

/** One customer's figures for one UTC day, in exact bytes. */
export type DailyUsage = {
  readonly day: string;
  readonly diskUsedBytes: number;
  readonly uploadedBytes: number;
  readonly downloadedBytes: number;
};

export type ActivityEntry = { readonly timestamp: string; readonly ip: string; readonly description: string };

/** One page of a customer-day's activity; `totalRecords` is the day's total, the same on every page. */
export type ActivityPage = { readonly records: readonly ActivityEntry[]; readonly totalRecords: number };

export interface UsageSource {
  customers(): Promise<Customer[]>;
  /** Rows for the days of from..to that have figures (days before an account existed have none). */
  dailyUsage(email: string, from: string, to: string): Promise<DailyUsage[]>;
  /** Every page of one customer-day's activity; fails rather than yield a partial or doubled log. */
  activity(email: string, day: string): AsyncIterable<ActivityPage>;
  /** Requests sent and retries taken so far. */
  readonly stats: { readonly requests: number; readonly retries: number };
}

/** The source could not answer: why, in a code the run records, and whether trying again may help. */
export class UsageSourceError extends Error {
  override name = 'UsageSourceError';
  constructor(
    readonly code: string,
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
