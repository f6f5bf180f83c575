import { z } from 'zod';
import type { DraftRecord, InvoiceDocument, IssueRecord } from '../ledger/invoice-documents.ts';

// Invoice registry items as read back from the table: decoded, so a malformed item fails loudly
// (naming the field) instead of reaching an invoice. Money stays decimal strings.

const money = z.string().regex(/^-?\d+(\.\d+)?$/);
const digits = z.string().regex(/^\d+(\.\d+)?$/);

export const invoiceDocumentSchema: z.ZodType<InvoiceDocument> = z.object({
  number: z.string().min(1),
  type: z.enum(['invoice', 'credit_note']),
  month: z.string().regex(/^\d{4}-\d{2}$/),
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

export class StoredItemError extends Error {
  override name = 'StoredItemError';
}

export function decode<T>(schema: z.ZodType<T>, item: Record<string, unknown>, what: string): T {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new StoredItemError(
    `stored ${what} ${String(item.pk)}/${String(item.sk)} is malformed at ${issue.path.join('.')}: ${issue.message}`,
  );
}
