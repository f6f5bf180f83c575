import type { Readable } from 'node:stream';
import type { DraftRecord, InvoiceDocument, IssueRecord } from '../ledger/invoice-documents.ts';

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

export type UserProfile = {
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  /** As the API sent it. */
  readonly accountCreatedAt: string | null;
  /** The UTC day of account creation, when the timestamp could be read. */
  readonly createdDay: string | null;
  readonly isSignedUp: boolean;
  readonly isActive: boolean;
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

/** Daily snapshots, user directory, run records and the invoice registry (DynamoDB in AWS, dynalite locally). */
export interface LedgerStore {
  putSnapshots(snapshots: readonly UsageSnapshot[]): Promise<void>;
  /** The days in [from, to] that have a stored snapshot for the user. */
  storedDays(email: string, from: string, to: string): Promise<Set<string>>;
  /** Every user's stored days in [from, to], read from the per-day index (one query per day, not per user). */
  storedDaysByUser(from: string, to: string): Promise<Map<string, Set<string>>>;
  snapshotsForUser(email: string, from: string, to: string): Promise<UsageSnapshot[]>;
  /** Every snapshot of one day, in email order, a page at a time. */
  snapshotsForDay(day: string): AsyncIterable<UsageSnapshot[]>;

  /** Writes profiles without touching their cursors. */
  putProfiles(profiles: readonly Omit<UserProfile, 'collectedThrough'>[]): Promise<void>;
  listProfiles(): Promise<UserProfile[]>;
  /** Moves the user's cursor forward to `day` (never backward). */
  advanceCursor(email: string, day: string): Promise<void>;

  putRun(run: RunSummary): Promise<void>;
  /** Adds a batch's IDrive request and retry counts to the run (atomic; batches run in parallel). */
  addRunApiStats(runId: string, requests: number, retries: number): Promise<void>;
  getRun(runId: string): Promise<RunSummary | null>;
  listRuns(limit: number): Promise<RunSummary[]>;
  putUserOutcomes(outcomes: readonly UserRunOutcome[]): Promise<void>;
  userOutcomes(runId: string): Promise<UserRunOutcome[]>;

  // The invoice registry.
  /** Every issued document of a billing month (a strongly consistent read). */
  monthDocuments(month: string): Promise<InvoiceDocument[]>;
  /** The highest position claimed in a numbering sequence; 0 when none. */
  lastPosition(sequence: string): Promise<number>;
  /** Claims the document's sequence position with the whole document; false when it is taken. */
  claimDocument(document: InvoiceDocument): Promise<boolean>;
  claimedDocument(sequence: string, position: number): Promise<InvoiceDocument | null>;
  /** Documents claimed in a sequence from a position on, in order (to finish an interrupted issue). */
  claimedFrom(sequence: string, position: number): Promise<InvoiceDocument[]>;
  /** Copies claimed documents into their month's register; writing one twice changes nothing. */
  recordDocuments(documents: readonly InvoiceDocument[]): Promise<void>;
  issues(month: string): Promise<IssueRecord[]>;
  /** Creates an issue record; false when that issue number is taken. */
  createIssue(issue: IssueRecord): Promise<boolean>;
  completeIssue(issue: IssueRecord): Promise<void>;
  drafts(month: string): Promise<DraftRecord[]>;
  claimDraft(draft: DraftRecord): Promise<boolean>;
  /** A lease held by one issuer at a time; an expired one can be taken over. */
  acquireLease(
    name: string,
    holder: string,
    now: Date,
    ttlMs: number,
  ): Promise<{ acquired: true } | { acquired: false; holder: string; expiresAt: string }>;
  releaseLease(name: string, holder: string): Promise<void>;
  /** Versions written by e2-ledger 0.1 (which re-numbered nothing and re-amounted everything). */
  invoiceVersions(month: string): Promise<InvoiceVersion[]>;
  /** The latest month with a completed issue; null when none. */
  lastIssuedInvoiceMonth(): Promise<string | null>;

  /** Appends an admin audit record: the pending intent and the outcome are kept side by side, never replaced. */
  putAudit(record: AuditRecord): Promise<void>;
  /** Audit records of the UTC days from..to, oldest first. */
  auditRecords(from: string, to: string): Promise<AuditRecord[]>;
}

export type StoredObject = { readonly key: string; readonly sha256: string; readonly bytes: number };

/** Report files (S3 in AWS, s3rver locally). */
export interface ObjectStore {
  /** Streams `body` to `key` (multipart for large bodies), returning its sha256 and size. */
  putStream(key: string, body: Readable, contentType: string): Promise<StoredObject>;
  putText(key: string, text: string, contentType: string): Promise<StoredObject>;
  getStream(key: string): Promise<Readable | null>;
  getText(key: string): Promise<string | null>;
  /** Keys under a prefix, in key order. */
  list(prefix: string): AsyncIterable<string>;
  /** A short-lived GET link for one object. */
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}
