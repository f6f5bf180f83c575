import * as z from 'zod';
import type { DocumentType } from '../ledger/invoice-documents.ts';

/**
 * Document numbers. Each (prefix, scope period) is one gapless sequence: `monthly` restarts every
 * month (INV-202610-000001), `yearly` every year (INV-2026-000001, as many countries require),
 * `continuous` never (INV-00000001). Invoices and credit notes have sequences of their own.
 */
export const numberingSchema = z
  .object({
    scope: z.enum(['monthly', 'yearly', 'continuous']).default('monthly'),
    invoicePrefix: z
      .string()
      .regex(/^[A-Z][A-Z0-9]{0,9}$/, 'must be 1-10 capital letters or digits, starting with a letter')
      .default('INV'),
    creditNotePrefix: z
      .string()
      .regex(/^[A-Z][A-Z0-9]{0,9}$/, 'must be 1-10 capital letters or digits, starting with a letter')
      .default('CN'),
  })
  .strict()
  .refine((n) => n.invoicePrefix !== n.creditNotePrefix, {
    message: 'invoices and credit notes need different prefixes',
    path: ['creditNotePrefix'],
  });
export type Numbering = z.infer<typeof numberingSchema>;
export const DEFAULT_NUMBERING: Numbering = {
  scope: 'monthly',
  invoicePrefix: 'INV',
  creditNotePrefix: 'CN',
};

export type Sequence = {
  /** `INV#202610`, `CN#2026`, `INV#ALL`: the partition that holds its claims. */
  readonly key: string;
  readonly prefix: string;
  /** The scope period: `202610`, `2026` or `ALL`. */
  readonly period: string;
  format(position: number): string;
};

function periodOf(month: string, scope: Numbering['scope']): string {
  if (scope === 'monthly') return month.replace('-', '');
  if (scope === 'yearly') return month.slice(0, 4);
  return 'ALL';
}

export function sequenceFor(type: DocumentType, month: string, numbering: Numbering): Sequence {
  const prefix = type === 'invoice' ? numbering.invoicePrefix : numbering.creditNotePrefix;
  const period = periodOf(month, numbering.scope);
  const width = period === 'ALL' ? 8 : 6;
  return {
    key: `${prefix}#${period}`,
    prefix,
    period,
    format: (n) => `${prefix}-${period === 'ALL' ? '' : `${period}-`}${String(n).padStart(width, '0')}`,
  };
}

/** The sequence and position a document number was claimed at, or null when it is not one of ours. */
export function parseDocumentNumber(number: string): { sequence: string; position: number } | null {
  const m = /^([A-Z][A-Z0-9]{0,9})-(?:(\d{6}|\d{4})-(\d{6})|(\d{8}))$/.exec(number);
  if (!m) return null;
  const [, prefix, period, n6, n8] = m;
  if (period) return { sequence: `${prefix}#${period}`, position: Number(n6) };
  return { sequence: `${prefix}#ALL`, position: Number(n8) };
}

/**
 * What an issuer of `month` must hold, in this order: the month itself (one issuer per month), and
 * the numbering period when it spans months (yearly or continuous sequences are shared).
 */
export function leasesFor(month: string, numbering: Numbering): string[] {
  const period = periodOf(month, numbering.scope);
  const leases = [`MONTH#${month}`];
  if (numbering.scope !== 'monthly') leases.push(`PERIOD#${period}`);
  return leases;
}
