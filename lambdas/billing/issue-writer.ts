import type { InvoiceDocument, IssueRecord } from '../ledger/invoice-documents.ts';
import { writeIssueFiles } from '../reports/invoice-files.ts';
import { InvoiceIntegrityError } from './invoice-errors.ts';
import type { PlannedDocument } from './invoice-plan.ts';
import type { InvoicingDeps } from './invoicing.ts';
import { negated } from './month-invoices.ts';
import { type Numbering, sequenceFor } from './numbering.ts';

/** Every N documents an issue renews its leases, so a long issue keeps them. */
const RENEW_EVERY = 200;

/**
 * Claims numbers for planned documents in order, each claim the whole document (so a number exists
 * exactly when its document does), then records them in the month and writes the issue's files.
 */
export async function createIssue(
  deps: InvoicingDeps,
  month: string,
  planned: readonly PlannedDocument[],
  meta: {
    rateCardSha256: string;
    numbering: Numbering;
    days: readonly string[];
    unchanged: number;
    reason: string | null;
    renew: () => Promise<void>;
  },
): Promise<{
  issue: number;
  created: InvoiceDocument[];
  files: Awaited<ReturnType<typeof writeIssueFiles>>;
}> {
  const issue = Math.max(0, ...(await deps.ledger.issues(month)).map((i) => i.issue)) + 1;
  const issuedAt = deps.now().toISOString();
  const sequences = {
    invoice: sequenceFor('invoice', month, meta.numbering),
    credit_note: sequenceFor('credit_note', month, meta.numbering),
  };
  const next = new Map<string, number>();
  for (const s of Object.values(sequences)) next.set(s.key, await deps.ledger.lastPosition(s.key));
  const record: IssueRecord = {
    month,
    issue,
    issuedAt,
    principal: deps.principal,
    rateCardSha256: meta.rateCardSha256,
    status: 'claiming',
    documents: [],
    sequenceStarts: Object.fromEntries(next),
    unchanged: meta.unchanged,
    reason: meta.reason,
  };
  if (!(await deps.ledger.createIssue(record)))
    throw new InvoiceIntegrityError(
      `issue ${issue} of ${month} was created by another issuer while this one held the lease`,
    );
  const created: InvoiceDocument[] = [];
  for (const [i, p] of planned.entries()) {
    if (i > 0 && i % RENEW_EVERY === 0) await meta.renew();
    const sequence = sequences[p.type];
    const position = next.get(sequence.key)! + 1;
    next.set(sequence.key, position);
    const common = {
      number: sequence.format(position),
      month,
      issuedAt,
      issue,
      rateCardSha256: meta.rateCardSha256,
      numbering: meta.numbering,
      sequence: sequence.key,
      position,
    };
    const document: InvoiceDocument =
      p.type === 'invoice'
        ? {
            ...common,
            type: 'invoice',
            email: p.email,
            firstName: p.firstName,
            lastName: p.lastName,
            references: null,
            reason: null,
            voids: false,
            currency: p.currency,
            periodStart: meta.days[0]!,
            periodEnd: meta.days.at(-1)!,
            usage: p.usage,
            amounts: p.amounts,
          }
        : {
            ...common,
            type: 'credit_note',
            email: p.cancels.email,
            firstName: p.cancels.firstName,
            lastName: p.cancels.lastName,
            references: p.cancels.number,
            reason: p.reason,
            voids: p.voids,
            currency: p.cancels.currency,
            periodStart: p.cancels.periodStart,
            periodEnd: p.cancels.periodEnd,
            usage: p.cancels.usage,
            amounts: negated(p.cancels.amounts),
          };
    if (!(await deps.ledger.claimDocument(document)))
      throw new InvoiceIntegrityError(
        `${document.number} was claimed by another issuer while this one held the lease`,
      );
    created.push(document);
  }
  await deps.ledger.recordDocuments(created);
  const files = await writeIssueFiles(deps.objects, month, issue, created, {
    rateCardSha256: meta.rateCardSha256,
    principal: deps.principal,
  });
  await deps.ledger.completeIssue({ ...record, status: 'complete', documents: created.map((d) => d.number) });
  return { issue, created, files };
}

/**
 * An issue that stopped after claiming numbers (a crash, a timeout): its claims are the documents;
 * record them in the month, write its files (the same bytes it would have written) and complete it.
 */
export async function finishInterruptedIssues(deps: InvoicingDeps, month: string) {
  for (const record of (await deps.ledger.issues(month)).filter((i) => i.status === 'claiming')) {
    const documents: InvoiceDocument[] = [];
    for (const [sequence, start] of Object.entries(record.sequenceStarts)) {
      const claimed = await deps.ledger.claimedFrom(sequence, start + 1);
      documents.push(...claimed.filter((d) => d.month === month && d.issue === record.issue));
    }
    await deps.ledger.recordDocuments(documents);
    if (documents.length > 0)
      await writeIssueFiles(deps.objects, month, record.issue, documents, {
        rateCardSha256: record.rateCardSha256,
        principal: record.principal,
      });
    await deps.ledger.completeIssue({
      ...record,
      status: 'complete',
      documents: documents.map((d) => d.number),
    });
  }
}
