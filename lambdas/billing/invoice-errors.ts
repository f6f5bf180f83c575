import type { MissingDays } from './month-invoices.ts';

export type RefusalReason =
  | 'nothing_collected'
  | 'missing_user_days'
  | 'month_open'
  | 'unknown_override'
  | 'legacy_versions'
  | 'in_progress'
  | 'not_found'
  | 'not_an_invoice'
  | 'already_credited'
  | 'invalid_reason';

/**
 * Invoicing refused before anything was written, in billing words. What to do about it travels as
 * data (`collect`: the range to collect), so the CLI and the Lambda each say it their own way.
 */
export class InvoiceRefusedError extends Error {
  override name = 'InvoiceRefusedError';
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly detail: {
      readonly missing?: readonly MissingDays[];
      readonly emails?: readonly string[];
      /** Collecting this range would lift the refusal. */
      readonly collect?: { readonly from: string; readonly to: string };
      /** The first UTC day the month may be issued. */
      readonly issuableFrom?: string;
    } = {},
  ) {
    super(message);
  }

  get missing(): readonly MissingDays[] {
    return this.detail.missing ?? [];
  }
}

/** The issue found a number taken that it held the lease for: another writer broke the protocol. */
export class InvoiceIntegrityError extends Error {
  override name = 'InvoiceIntegrityError';
}
