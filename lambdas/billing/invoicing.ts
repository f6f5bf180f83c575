import { randomUUID } from 'node:crypto';
import type { DraftRecord, InvoiceDocument } from '../ledger/invoice-documents.ts';
import type { LedgerStore, ObjectStore, StoredObject } from '../ledger/ports.ts';
import { writeDraftFiles, writeRegister } from '../reports/invoice-files.ts';
import { InvoiceRefusedError } from './invoice-errors.ts';
import { planIssue } from './invoice-plan.ts';
import { computeForIssue, refuseUnknownOverrides } from './issue-guards.ts';
import { createIssue, finishInterruptedIssues } from './issue-writer.ts';
import { withLeases } from './leases.ts';
import { computeMonth, type MonthComputation } from './month-invoices.ts';
import { leasesFor, parseDocumentNumber } from './numbering.ts';
import { parseRateCard } from './rate-card.ts';

export { issuableFrom } from './issue-guards.ts';

export type InvoicingDeps = {
  readonly ledger: LedgerStore;
  readonly objects: ObjectStore;
  readonly now: () => Date;
  /** Who issues, for the audit trail: `cli:alice`, `schedule:monthly`, an IAM principal. */
  readonly principal: string;
  /** Days after month end before a month may be issued (late data settles). */
  readonly graceDays: number;
  /** How long to wait for another issuer of the same month or numbering period. */
  readonly leaseWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
};

export type IssueRequest = {
  readonly month: string;
  /** The rate card file's text (hashed as given, so every document pins the exact card). */
  readonly rateCardText: string;
  /** Customers to invoice again although their invoice for the month was voided. */
  readonly reissue?: readonly string[];
};

export type IssueResult = {
  readonly month: string;
  /** The issue number, or null when nothing had to be issued. */
  readonly issue: number | null;
  /** The documents this issue created (invoices and credit notes). */
  readonly created: readonly InvoiceDocument[];
  readonly unchanged: readonly string[];
  readonly voided: readonly string[];
  /** Every issued document of the month, after this issue. */
  readonly documents: readonly InvoiceDocument[];
  readonly files: { readonly documents: StoredObject; readonly manifest: StoredObject } | null;
  readonly register: { readonly register: StoredObject; readonly manifest: StoredObject };
  readonly currency: string;
  readonly computation: MonthComputation;
};

/**
 * Issues a month: compares the computation with what is issued, customer by customer, and creates
 * only what differs (new invoices; credit notes cancelling changed ones and their replacements).
 * Nothing issued is ever rewritten. Refused, before anything is written, when nothing was collected,
 * user-days are missing, the month is not closed plus its grace days, a rate card override names
 * no customer of the month, or the month was invoiced by e2-ledger 0.1.
 */
export async function issueInvoices(deps: InvoicingDeps, request: IssueRequest): Promise<IssueResult> {
  const { card, sha256: rateCardSha256 } = parseRateCard(request.rateCardText);
  const { month } = request;
  const computation = await computeForIssue(deps, month, card);
  return withLeases(deps, leasesFor(month, card.numbering), month, async (renew) => {
    await finishInterruptedIssues(deps, month);
    const issued = await deps.ledger.monthDocuments(month);
    const plan = planIssue(computation.lines, issued, card, new Set(request.reissue ?? []));
    const base = {
      month,
      unchanged: plan.unchanged,
      voided: plan.voided,
      currency: card.currency,
      computation,
    };
    if (plan.documents.length === 0) {
      const register = await writeRegister(deps.objects, month, issued);
      await audit(deps, 'invoices.issue', month, {
        issue: null,
        created: [],
        unchanged: plan.unchanged.length,
        rateCardSha256,
      });
      return { ...base, issue: null, created: [], documents: issued, files: null, register };
    }
    const { issue, created, files } = await createIssue(deps, month, plan.documents, {
      rateCardSha256,
      numbering: card.numbering,
      days: computation.days,
      unchanged: plan.unchanged.length,
      reason: null,
      renew,
    });
    const documents = [...issued, ...created];
    const register = await writeRegister(deps.objects, month, documents);
    await audit(deps, 'invoices.issue', month, {
      issue,
      created: created.map((d) => d.number),
      creditNotes: created
        .filter((d) => d.type === 'credit_note')
        .map((d) => `${d.number} cancels ${d.references}`),
      unchanged: plan.unchanged.length,
      rateCardSha256,
    });
    return { ...base, issue, created, documents, files, register };
  });
}

/** A credit note cancelling one issued invoice in full, and nothing else. */
export async function voidInvoice(
  deps: InvoicingDeps,
  request: { readonly number: string; readonly reason: string },
): Promise<{ creditNote: InvoiceDocument; register: { register: StoredObject; manifest: StoredObject } }> {
  const reason = request.reason.trim();
  if (reason.length === 0 || reason.length > 500 || /[\p{Cc}\p{Cf}]/u.test(reason))
    throw new InvoiceRefusedError('invalid_reason', 'a void needs a reason: 1 to 500 printable characters');
  const at = parseDocumentNumber(request.number);
  const invoice = at ? await deps.ledger.claimedDocument(at.sequence, at.position) : null;
  if (!invoice) throw new InvoiceRefusedError('not_found', `no issued document ${request.number}`);
  if (invoice.type !== 'invoice')
    throw new InvoiceRefusedError(
      'not_an_invoice',
      `${request.number} is a credit note; only invoices can be voided`,
    );
  const month = invoice.month;
  return withLeases(deps, leasesFor(month, invoice.numbering), month, async (renew) => {
    await finishInterruptedIssues(deps, month);
    const issued = await deps.ledger.monthDocuments(month);
    const credit = issued.find((d) => d.type === 'credit_note' && d.references === invoice.number);
    if (credit)
      throw new InvoiceRefusedError(
        'already_credited',
        `${invoice.number} is already cancelled by ${credit.number}`,
      );
    const { issue, created } = await createIssue(
      deps,
      month,
      [{ type: 'credit_note', cancels: invoice, reason: `void: ${reason}`, voids: true }],
      {
        rateCardSha256: invoice.rateCardSha256,
        numbering: invoice.numbering,
        days: [invoice.periodStart, invoice.periodEnd],
        unchanged: 0,
        reason,
        renew,
      },
    );
    const register = await writeRegister(deps.objects, month, [...issued, ...created]);
    await audit(deps, 'invoices.void', invoice.number, { issue, creditNote: created[0]!.number, reason });
    return { creditNote: created[0]!, register };
  });
}

export type DraftResult = {
  readonly month: string;
  readonly draft: number;
  readonly computation: MonthComputation;
  readonly currency: string;
  readonly files: { invoices: StoredObject; summary: StoredObject; manifest: StoredObject };
};

/** A provisional view of the month, at any time and any completeness: no numbers, files apart. */
export async function draftInvoices(
  deps: InvoicingDeps,
  request: Omit<IssueRequest, 'reissue'>,
): Promise<DraftResult> {
  const { card, sha256 } = parseRateCard(request.rateCardText);
  const computation = await computeMonth(deps.ledger, request.month, card);
  refuseUnknownOverrides(card, computation);
  const createdAt = deps.now().toISOString();
  for (;;) {
    const next = Math.max(0, ...(await deps.ledger.drafts(request.month)).map((d) => d.draft)) + 1;
    const record: DraftRecord = {
      month: request.month,
      draft: next,
      createdAt,
      rateCardSha256: sha256,
      rows: computation.lines.length,
    };
    if (!(await deps.ledger.claimDraft(record))) continue;
    const files = await writeDraftFiles(deps.objects, next, computation, card, {
      rateCardSha256: sha256,
      createdAt,
    });
    return { month: request.month, draft: next, computation, currency: card.currency, files };
  }
}

async function audit(deps: InvoicingDeps, action: string, target: string, request: Record<string, unknown>) {
  const at = deps.now().toISOString();
  await deps.ledger.putAudit({
    at,
    requestId: randomUUID(),
    principal: deps.principal,
    action,
    target,
    request,
    outcome: 'succeeded',
    status: null,
    code: null,
  });
}
