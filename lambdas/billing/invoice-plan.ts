import {
  type DocumentAmounts,
  type DocumentUsage,
  type InvoiceDocument,
  sameAmounts,
} from '../ledger/invoice-documents.ts';
import { type ComputedInvoice, documentFigures } from './month-invoices.ts';
import type { RateCard } from './rate-card.ts';

/** What one customer's next document is, before it has a number. */
export type PlannedDocument =
  | {
      readonly type: 'invoice';
      readonly email: string;
      readonly firstName: string | null;
      readonly lastName: string | null;
      readonly currency: string;
      readonly usage: DocumentUsage;
      readonly amounts: DocumentAmounts;
    }
  | {
      readonly type: 'credit_note';
      readonly cancels: InvoiceDocument;
      readonly reason: string;
      readonly voids: boolean;
    };

export type IssuePlan = {
  /** In claim order: by customer, a credit note before the invoice that replaces it. */
  readonly documents: readonly PlannedDocument[];
  /** Customers whose issued invoice matches the computation to the cent: nothing is re-issued. */
  readonly unchanged: readonly string[];
  /** Customers whose invoice was voided: not invoiced again for the month unless asked to. */
  readonly voided: readonly string[];
};

export type CustomerDocuments = {
  /** The issued invoice no credit note cancels, if any. */
  readonly current: InvoiceDocument | null;
  /** The customer's last document cancels an invoice by a void. */
  readonly voided: boolean;
};

/** Where each customer stands from the month's issued documents. */
export function customerStates(documents: readonly InvoiceDocument[]): Map<string, CustomerDocuments> {
  const credited = new Set(documents.filter((d) => d.type === 'credit_note').map((d) => d.references));
  const byCustomer = new Map<string, InvoiceDocument[]>();
  for (const d of documents) byCustomer.set(d.email, [...(byCustomer.get(d.email) ?? []), d]);
  const states = new Map<string, CustomerDocuments>();
  for (const [email, docs] of byCustomer) {
    const ordered = [...docs].sort(
      (a, b) => a.issue - b.issue || (a.type === b.type ? 0 : a.type === 'credit_note' ? -1 : 1),
    );
    const open = ordered.filter((d) => d.type === 'invoice' && !credited.has(d.number));
    const last = ordered.at(-1)!;
    states.set(email, {
      current: open.at(-1) ?? null,
      voided: last.type === 'credit_note' && last.voids,
    });
  }
  return states;
}

/**
 * The documents an issue must create so that what is issued matches the computation: a new invoice
 * for a customer without one; nothing for a customer whose invoice matches to the cent; a credit
 * note cancelling the issued invoice in full and a new invoice when the amounts changed; a credit
 * note only when there is nothing to invoice any more.
 */
export function planIssue(
  lines: readonly ComputedInvoice[],
  issued: readonly InvoiceDocument[],
  card: RateCard,
  reissue: ReadonlySet<string> = new Set(),
): IssuePlan {
  const states = customerStates(issued);
  const computed = new Map(lines.map((l) => [l.email, l]));
  const emails = [...new Set([...computed.keys(), ...states.keys()])].sort();
  const documents: PlannedDocument[] = [];
  const unchanged: string[] = [];
  const voided: string[] = [];
  for (const email of emails) {
    const line = computed.get(email);
    const state = states.get(email);
    const current = state?.current ?? null;
    if (!line) {
      if (current)
        documents.push({
          type: 'credit_note',
          cancels: current,
          reason: 'corrected: nothing to invoice for the month',
          voids: false,
        });
      continue;
    }
    const figures = documentFigures(line, card);
    const invoice: PlannedDocument = {
      type: 'invoice',
      email,
      firstName: line.firstName,
      lastName: line.lastName,
      currency: figures.currency,
      usage: figures.usage,
      amounts: figures.amounts,
    };
    if (current) {
      if (sameAmounts(current, figures)) unchanged.push(email);
      else
        documents.push(
          { type: 'credit_note', cancels: current, reason: 'corrected: the amounts changed', voids: false },
          invoice,
        );
    } else if (state?.voided && !reissue.has(email)) voided.push(email);
    else documents.push(invoice);
  }
  return { documents, unchanged, voided };
}
