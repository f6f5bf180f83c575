/**
 * The ledger's model: what is collected (daily snapshots), who the customers are (profiles), what a
 * run did (summaries, per-user outcomes), and who changed what (audit records). Invoice documents
 * are in invoice-documents.ts. Nothing here knows DynamoDB, S3 or IDrive.
 */
import type { Customer } from './usage-source.ts';

/** One user's usage on one UTC day, as collected from usage_stats. Bytes are exact integers. */
export type UsageSnapshot = {
  readonly email: string;
  readonly day: string;
  readonly diskUsedBytes: number;
  readonly uploadedBytes: number;
  readonly downloadedBytes: number;
  /** GB, 0 = unlimited, as the API reports it on the collection day. */
  readonly storageQuotaGb: number;
  readonly isActive: boolean;
  readonly isSignedUp: boolean;
  readonly activityCount: number;
  /** The day's activity rows as CSV when small; larger days are in an S3 part (reportKeys.activityPart). */
  readonly activityCsv?: string;
  /** `api` when usage_stats had a row; `before_creation` when the account did not exist yet (zero usage). */
  readonly usageSource: 'api' | 'before_creation';
  readonly runId: string;
  readonly collectedAt: string;
};

/** A customer as last listed (see Customer), with when we saw it and how far it is collected. */
export type UserProfile = Omit<Customer, 'storageQuotaGb'> & {
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  /** Set when a run no longer finds the user in the API's list. */
  readonly removedAt: string | null;
  /** Every day from the user's first collected day through this one is stored (the catch-up cursor). */
  readonly collectedThrough: string | null;
};

export type DayFailure = {
  readonly day: string;
  readonly code: string;
  readonly message: string;
  readonly attempts: number;
};

export type UserRunOutcome = {
  readonly runId: string;
  readonly email: string;
  readonly outcome: 'stored' | 'failed' | 'partial' | 'skipped';
  /** Why a user was skipped (documented reasons only, e.g. not_signed_up). */
  readonly reason: string | null;
  /** The days this run set out to collect for the user. */
  readonly daysPlanned: readonly string[];
  readonly daysStored: number;
  readonly failures: readonly DayFailure[];
  readonly activityRows: number;
};

export type RunSummary = {
  readonly runId: string;
  readonly kind: 'nightly' | 'backfill';
  /** The Step Functions execution that ran it, in AWS; null on a laptop. */
  executionArn: string | null;
  readonly startedAt: string;
  finishedAt: string | null;
  /** The run's window (a nightly: yesterday and the re-collection days; a backfill: its range). */
  readonly from: string;
  readonly to: string;
  /** `queued`: asked for (a backfill from the admin API) and not started yet. */
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  users: number;
  usersCollected: number;
  usersSkipped: number;
  usersFailed: number;
  userDaysStored: number;
  userDaysFailed: number;
  activityRows: number;
  apiRequests: number;
  apiRetries: number;
  /** Days whose exports were written by this run. */
  exportedDays: string[];
  /** Days before the window that users' catch-up cursors pulled in (nights that were missed). */
  catchUpDays: string[];
  /** A backfill that collected only the days not stored yet. */
  readonly onlyMissing: boolean;
  error: string | null;
};

/** One generated version of a month's invoices. */
export type InvoiceVersion = {
  readonly month: string;
  readonly version: number;
  readonly draft: boolean;
  readonly createdAt: string;
  readonly rateCardSha256: string;
  readonly invoiceFileSha256: string | null;
  readonly rows: number;
};

/** Who changed what through the admin API. Secrets are redacted before a record is built. */
export type AuditRecord = {
  readonly at: string;
  readonly requestId: string;
  /** IAM principal ARN in AWS; the admin token's name locally. */
  readonly principal: string;
  /** Route id, e.g. `users.disable`. */
  readonly action: string;
  readonly target: string;
  readonly request: Record<string, unknown>;
  readonly outcome: 'pending' | 'succeeded' | 'failed';
  readonly status: number | null;
  readonly code: string | null;
};
