import * as z from 'zod';
import { MONTH_PATTERN } from '../../calendar/calendar-values.ts';
import type { DraftRecord, InvoiceDocument, IssueRecord } from '../../ledger/invoice-documents.ts';
import type {
  AuditRecord,
  InvoiceVersion,
  RunSummary,
  UsageSnapshot,
  UserProfile,
  UserRunOutcome,
} from '../../ledger/model.ts';
import { StoredItemError } from '../errors.ts';

// Every item as read back from the table is decoded, so a malformed item fails loudly (naming the
// field and the key) instead of reaching an export or an invoice. Fields added after an item was
// written get their defaults. Keys (pk, sk, gsi1*) and the item kind are dropped by the schemas.

const count = z.number().int().nonnegative();
const nullableString = z.string().nullable();

export const snapshotSchema: z.ZodType<UsageSnapshot> = z.object({
  email: z.string().min(1),
  day: z.string(),
  diskUsedBytes: count,
  uploadedBytes: count,
  downloadedBytes: count,
  storageQuotaGb: count,
  isActive: z.boolean(),
  isSignedUp: z.boolean(),
  activityCount: count,
  activityCsv: z.string().optional(),
  usageSource: z.enum(['api', 'before_creation']),
  runId: z.string(),
  collectedAt: z.string(),
});

export const profileSchema: z.ZodType<UserProfile> = z.object({
  email: z.string().min(1),
  firstName: nullableString,
  lastName: nullableString,
  accountCreatedAt: nullableString,
  createdDay: nullableString,
  isSignedUp: z.boolean(),
  isActive: z.boolean(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  removedAt: nullableString,
  collectedThrough: nullableString.default(null),
});

export const runSchema: z.ZodType<RunSummary> = z.object({
  runId: z.string(),
  kind: z.enum(['nightly', 'backfill']),
  executionArn: nullableString.default(null),
  startedAt: z.string(),
  finishedAt: nullableString,
  from: z.string(),
  to: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  users: count,
  usersCollected: count,
  usersSkipped: count,
  usersFailed: count,
  userDaysStored: count,
  userDaysFailed: count,
  activityRows: count,
  apiRequests: count,
  apiRetries: count,
  exportedDays: z.array(z.string()).default([]),
  catchUpDays: z.array(z.string()).default([]),
  onlyMissing: z.boolean().default(false),
  error: nullableString,
});

export const outcomeSchema: z.ZodType<UserRunOutcome> = z.object({
  runId: z.string(),
  email: z.string(),
  outcome: z.enum(['stored', 'failed', 'partial', 'skipped']),
  reason: nullableString,
  daysPlanned: z.array(z.string()),
  daysStored: count,
  failures: z.array(z.object({ day: z.string(), code: z.string(), message: z.string(), attempts: count })),
  activityRows: count,
});

export const auditSchema: z.ZodType<AuditRecord> = z.object({
  at: z.string(),
  requestId: z.string(),
  principal: z.string(),
  action: z.string(),
  target: z.string(),
  request: z.record(z.string(), z.unknown()),
  outcome: z.enum(['pending', 'succeeded', 'failed']),
  status: z.number().int().nullable(),
  code: nullableString,
});

export const legacyVersionSchema: z.ZodType<InvoiceVersion> = z.object({
  month: z.string(),
  version: z.number().int().positive(),
  draft: z.boolean(),
  createdAt: z.string(),
  rateCardSha256: z.string(),
  invoiceFileSha256: nullableString,
  rows: count,
});

const money = z.string().regex(/^-?\d+(\.\d+)?$/);
const digits = z.string().regex(/^\d+(\.\d+)?$/);

export const invoiceDocumentSchema: z.ZodType<InvoiceDocument> = z.object({
  number: z.string().min(1),
  type: z.enum(['invoice', 'credit_note']),
  month: z.string().regex(MONTH_PATTERN),
  email: z.string().min(1),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  issuedAt: z.string(),
  issue: z.number().int().positive(),
  references: z.string().nullable(),
  reason: z.string().nullable(),
  voids: z.boolean(),
  currency: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  usage: z.object({
    daysInPeriod: z.number().int(),
    daysCollected: z.number().int(),
    avgStorageBytes: digits,
    peakStorageBytes: digits,
    storageQuantity: digits,
    storageUnit: z.string(),
    storageBasis: z.string(),
    downloadedBytes: digits,
    uploadedBytes: digits,
    complete: z.boolean(),
  }),
  amounts: z.object({
    storage: money,
    download: money,
    upload: money,
    discount: money,
    minimumAdjustment: money,
    subtotal: money,
    tax: money,
    total: money,
  }),
  rateCardSha256: z.string(),
  numbering: z.object({
    scope: z.enum(['monthly', 'yearly', 'continuous']),
    invoicePrefix: z.string(),
    creditNotePrefix: z.string(),
  }),
  sequence: z.string(),
  position: z.number().int().positive(),
});

export const issueRecordSchema: z.ZodType<IssueRecord> = z.object({
  month: z.string(),
  issue: z.number().int().positive(),
  issuedAt: z.string(),
  principal: z.string(),
  rateCardSha256: z.string(),
  status: z.enum(['claiming', 'complete']),
  documents: z.array(z.string()),
  sequenceStarts: z.record(z.string(), z.number().int().nonnegative()),
  unchanged: z.number().int().nonnegative(),
  reason: z.string().nullable(),
});

export const draftRecordSchema: z.ZodType<DraftRecord> = z.object({
  month: z.string(),
  draft: z.number().int().positive(),
  createdAt: z.string(),
  rateCardSha256: z.string(),
  rows: z.number().int().nonnegative(),
});

export function decode<T>(schema: z.ZodType<T>, item: Record<string, unknown>, what: string): T {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new StoredItemError(
    `stored ${what} ${String(item.pk)}/${String(item.sk)} is malformed at ${issue.path.join('.')}: ${issue.message}`,
  );
}
