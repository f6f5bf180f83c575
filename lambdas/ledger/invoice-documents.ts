/**
 * Issued billing documents. An invoice or credit note, once issued, has one number and one set of
 * amounts forever; a correction is a credit note that cancels an invoice in full plus a new invoice.
 * Money is held as decimal strings with exactly the currency's minor-unit digits ("12.30", "-12.30").
 */

export type DocumentType = 'invoice' | 'credit_note';

/** The money of a document, in the order finance reads it. Credit notes carry the negatives. */
export type DocumentAmounts = {
  readonly storage: string;
  readonly download: string;
  readonly upload: string;
  readonly discount: string;
  readonly minimumAdjustment: string;
  readonly subtotal: string;
  readonly tax: string;
  readonly total: string;
};

export const AMOUNT_FIELDS = [
  'storage',
  'download',
  'upload',
  'discount',
  'minimumAdjustment',
  'subtotal',
  'tax',
  'total',
] as const satisfies readonly (keyof DocumentAmounts)[];

/** What was billed: the month's usage as aggregated from the daily snapshots. Bytes as exact decimal strings. */
export type DocumentUsage = {
  readonly daysInPeriod: number;
  readonly daysCollected: number;
  readonly avgStorageBytes: string;
  readonly peakStorageBytes: string;
  readonly storageQuantity: string;
  readonly storageUnit: string;
  readonly storageBasis: string;
  readonly downloadedBytes: string;
  readonly uploadedBytes: string;
  readonly complete: boolean;
};

export type InvoiceDocument = {
  /** `INV-202610-000001`, `CN-2026-000004`, ... (see numbering.ts). */
  readonly number: string;
  readonly type: DocumentType;
  /** The billing month (`YYYY-MM`) whatever the numbering scope. */
  readonly month: string;
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly issuedAt: string;
  /** The issue of the month that created it (1, 2, ...). */
  readonly issue: number;
  /** A credit note: the invoice it cancels. */
  readonly references: string | null;
  /** Why a credit note was issued (a correction, or a void's reason). */
  readonly reason: string | null;
  /** A credit note issued by `invoice void`: the customer is not invoiced again for the month unless asked. */
  readonly voids: boolean;
  readonly currency: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly usage: DocumentUsage;
  readonly amounts: DocumentAmounts;
  readonly rateCardSha256: string;
  /** How documents of this customer-month are numbered (a void's credit note follows it). */
  readonly numbering: {
    readonly scope: 'monthly' | 'yearly' | 'continuous';
    readonly invoicePrefix: string;
    readonly creditNotePrefix: string;
  };
  /** The numbering sequence and position that claimed the number (gapless within the sequence). */
  readonly sequence: string;
  readonly position: number;
};

/** One issue of a month: which documents it created. */
export type IssueRecord = {
  readonly month: string;
  readonly issue: number;
  readonly issuedAt: string;
  readonly principal: string;
  readonly rateCardSha256: string;
  /** `claiming` until its documents are recorded and its files written. */
  readonly status: 'claiming' | 'complete';
  readonly documents: readonly string[];
  /** Where each sequence stood when this issue began: its first claim is the next position. */
  readonly sequenceStarts: Readonly<Record<string, number>>;
  readonly unchanged: number;
  readonly reason: string | null;
};

export type DraftRecord = {
  readonly month: string;
  readonly draft: number;
  readonly createdAt: string;
  readonly rateCardSha256: string;
  readonly rows: number;
};

/** The register's status of a document: an invoice a credit note cancels is `credited`. */
export function documentStatus(doc: InvoiceDocument, all: readonly InvoiceDocument[]): 'issued' | 'credited' {
  return doc.type === 'invoice' && all.some((d) => d.type === 'credit_note' && d.references === doc.number)
    ? 'credited'
    : 'issued';
}

/** Equal to the cent: same currency and every amount the same. */
export function sameAmounts(
  a: Pick<InvoiceDocument, 'currency' | 'amounts'>,
  b: Pick<InvoiceDocument, 'currency' | 'amounts'>,
) {
  return a.currency === b.currency && AMOUNT_FIELDS.every((f) => a.amounts[f] === b.amounts[f]);
}
