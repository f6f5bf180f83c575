import type { Readable } from 'node:stream';
import type { AlertState, AlertTransition } from './alerts.ts';
import type { DraftRecord, InvoiceDocument, IssueRecord } from './invoice-documents.ts';
import type {
  AuditRecord,
  InvoiceVersion,
  RunSummary,
  UsageSnapshot,
  UserProfile,
  UserRunOutcome,
} from './model.ts';

/**
 * The stores, split by what uses them. One adapter (DynamoDB in AWS, dynalite locally) implements
 * them all as `LedgerStore`; each use case asks for only the ports it needs.
 */

/** Daily snapshots: collection writes them, exports, invoices and status read them. */
export interface SnapshotStore {
  putSnapshots(snapshots: readonly UsageSnapshot[]): Promise<void>;
  /** The days in [from, to] that have a stored snapshot for the user. */
  storedDays(email: string, from: string, to: string): Promise<Set<string>>;
  /** Every user's stored days in [from, to], read from the per-day index (one query per day, not per user). */
  storedDaysByUser(from: string, to: string): Promise<Map<string, Set<string>>>;
  snapshotsForUser(email: string, from: string, to: string): Promise<UsageSnapshot[]>;
  /** Every snapshot of one day, in email order, a page at a time. */
  snapshotsForDay(day: string): AsyncIterable<UsageSnapshot[]>;
}

/** The customer directory and each customer's collection cursor. */
export interface DirectoryStore {
  /** Writes profiles without touching their cursors. */
  putProfiles(profiles: readonly Omit<UserProfile, 'collectedThrough'>[]): Promise<void>;
  listProfiles(): Promise<UserProfile[]>;
  /** Moves the user's cursor forward to `day` (never backward). */
  advanceCursor(email: string, day: string): Promise<void>;
}

/** Run records and their per-user outcomes. */
export interface RunStore {
  putRun(run: RunSummary): Promise<void>;
  /** Adds a batch's IDrive request and retry counts to the run (atomic; batches run in parallel). */
  addRunApiStats(runId: string, requests: number, retries: number): Promise<void>;
  getRun(runId: string): Promise<RunSummary | null>;
  listRuns(limit: number): Promise<RunSummary[]>;
  putUserOutcomes(outcomes: readonly UserRunOutcome[]): Promise<void>;
  userOutcomes(runId: string): Promise<UserRunOutcome[]>;
}

/** Issued invoice documents, their numbering sequences, issues, drafts and the issuers' leases. */
export interface InvoiceRegistry {
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
}

/** Who changed what, append-only. */
export interface AuditTrail {
  /** Appends an admin audit record: the pending intent and the outcome are kept side by side, never replaced. */
  putAudit(record: AuditRecord): Promise<void>;
  /** Audit records of the UTC days from..to, oldest first, one per request. */
  auditRecords(from: string, to: string): Promise<AuditRecord[]>;
}

/** Alert states (one per account and kind) and the log of their transitions. */
export interface AlertStore {
  alertStates(): Promise<AlertState[]>;
  /**
   * Writes a state if its stored version is still `expectedVersion` (null: it must not exist yet);
   * false when another evaluator changed it first, so every transition has one writer.
   */
  putAlertState(state: AlertState, expectedVersion: number | null): Promise<boolean>;
  /** Appends a transition to its day's log; writing the same transition again changes nothing. */
  appendAlertLog(transition: AlertTransition): Promise<void>;
  /** Transitions of the UTC days from..to, oldest first. */
  alertLog(from: string, to: string): Promise<AlertTransition[]>;
  /** The latest day alerts were evaluated for (an older day, e.g. a backfill, is not evaluated). */
  alertsEvaluatedThrough(): Promise<string | null>;
  setAlertsEvaluatedThrough(day: string): Promise<void>;
}

/** Where alert transitions are sent: SNS in AWS; the CLI prints them. */
export interface AlertNotifier {
  publish(transitions: readonly AlertTransition[]): Promise<void>;
}

/** Every store port: what the DynamoDB adapter implements. */
export type LedgerStore = SnapshotStore &
  DirectoryStore &
  RunStore &
  InvoiceRegistry &
  AuditTrail &
  AlertStore;

export type StoredObject = { readonly key: string; readonly sha256: string; readonly bytes: number };

/** Report files (S3 in AWS, s3rver locally). */
export interface ObjectStore {
  /** Streams `body` to `key` (multipart for large bodies), returning its sha256 and size. */
  putStream(key: string, body: Readable, contentType: string): Promise<StoredObject>;
  putText(key: string, text: string, contentType: string): Promise<StoredObject>;
  putBytes(key: string, bytes: Uint8Array, contentType: string): Promise<StoredObject>;
  /**
   * Writes only if no object has the key (S3's conditional write, `If-None-Match: *`), so two
   * writers never both write a document that must be written once; null when one exists. s3rver
   * ignores the condition: on a laptop one process holds the data directory.
   */
  createBytes(key: string, bytes: Uint8Array, contentType: string): Promise<StoredObject | null>;
  getStream(key: string): Promise<Readable | null>;
  getText(key: string): Promise<string | null>;
  getBytes(key: string): Promise<Uint8Array | null>;
  exists(key: string): Promise<boolean>;
  /** Keys under a prefix, in key order. */
  list(prefix: string): AsyncIterable<string>;
  /** A short-lived GET link for one object. */
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}
