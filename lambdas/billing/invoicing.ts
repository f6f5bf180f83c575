import { randomUUID } from 'node:crypto';
import { plusDays, utcToday } from '../calendar/days.ts';
import type { DraftRecord, InvoiceDocument, IssueRecord } from '../ledger/invoice-documents.ts';
import type { LedgerStore, ObjectStore, StoredObject } from '../ledger/ports.ts';
import { writeDraftFiles, writeIssueFiles, writeRegister } from '../reports/invoice-files.ts';
import { InvoiceIntegrityError, InvoiceRefusedError } from './invoice-errors.ts';
import { type PlannedDocument, planIssue } from './invoice-plan.ts';
import { computeMonth, type MonthComputation, negated } from './month-invoices.ts';
import { leasesFor, type Numbering, parseDocumentNumber, sequenceFor } from './numbering.ts';
import { parseRateCard, type RateCard } from './rate-card.ts';

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

const LEASE_TTL_MS = 15 * 60_000;
const RENEW_EVERY = 200;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The first UTC day a month may be issued: the day after its end plus the grace days. */
export function issuableFrom(graceDays: number, days: readonly string[]): string {
  return plusDays(days.at(-1)!, 1 + graceDays);
}

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

async function computeForIssue(
  deps: InvoicingDeps,
  month: string,
  card: RateCard,
): Promise<MonthComputation> {
  const today = utcToday(deps.now());
  if ((await deps.ledger.invoiceVersions(month)).some((v) => !v.draft))
    throw new InvoiceRefusedError(
      'legacy_versions',
      `${month} was invoiced by e2-ledger 0.1 (invoices/${month}/vN/): those files stay as issued; this version cannot reconcile them, so corrections for ${month} must be made outside e2-ledger`,
    );
  const computation = await computeMonth(deps.ledger, month, card);
  const first = computation.days[0]!;
  const last = computation.days.at(-1)!;
  const from = issuableFrom(deps.graceDays, computation.days);
  if (today < from)
    throw new InvoiceRefusedError(
      'month_open',
      `${month} can be issued from ${from} (UTC): the month ends on ${last} and late data settles for ${deps.graceDays} day(s); a draft can be made at any time`,
      { issuableFrom: from },
    );
  if (computation.snapshotCount === 0)
    throw new InvoiceRefusedError(
      'nothing_collected',
      `nothing collected for ${month}: no daily snapshot of any customer`,
      {
        collect: { from: first, to: last },
      },
    );
  if (computation.missing.length > 0) {
    const { missing } = computation;
    const detail = missing
      .slice(0, 10)
      .map(
        (m) =>
          `${m.email} (${m.days.length} day(s): ${m.days.slice(0, 5).join(', ')}${m.days.length > 5 ? ', ...' : ''})`,
      )
      .join('; ');
    throw new InvoiceRefusedError(
      'missing_user_days',
      `${month} has ${missing.reduce((n, m) => n + m.days.length, 0)} missing user-day(s) for ${missing.length} customer(s): ${detail}${missing.length > 10 ? '; ...' : ''}`,
      { missing, collect: { from: first, to: last } },
    );
  }
  refuseUnknownOverrides(card, computation);
  return computation;
}

function refuseUnknownOverrides(card: RateCard, computation: MonthComputation) {
  const customers = new Set([...computation.customers].map((e) => e.toLowerCase()));
  const unknown = Object.keys(card.overrides ?? {}).filter((e) => !customers.has(e.toLowerCase()));
  if (unknown.length > 0)
    throw new InvoiceRefusedError(
      'unknown_override',
      `the rate card overrides terms for ${unknown.join(', ')}, who ${unknown.length === 1 ? 'is' : 'are'} not a customer of ${computation.month}`,
      { emails: unknown },
    );
}

/**
 * Claims numbers for planned documents in order, each claim the whole document (so a number exists
 * exactly when its document does), then records them in the month and writes the issue's files.
 */
async function createIssue(
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
async function finishInterruptedIssues(deps: InvoicingDeps, month: string) {
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

/** Runs `work` holding every lease in order; waits for another holder up to `leaseWaitMs`. */
async function withLeases<T>(
  deps: InvoicingDeps,
  leases: readonly string[],
  month: string,
  work: (renew: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const holder = `${deps.principal} ${randomUUID()}`;
  const sleep = deps.sleep ?? realSleep;
  const held: string[] = [];
  try {
    for (const lease of leases) {
      const deadline = Date.now() + (deps.leaseWaitMs ?? 60_000);
      for (;;) {
        const got = await deps.ledger.acquireLease(lease, holder, deps.now(), LEASE_TTL_MS);
        if (got.acquired) break;
        if (Date.now() >= deadline)
          throw new InvoiceRefusedError(
            'in_progress',
            `another issue of ${month} is in progress (${got.holder}, holding ${lease} until ${got.expiresAt}); try again when it is done`,
          );
        await sleep(250);
      }
      held.push(lease);
    }
    const renew = async () => {
      for (const lease of held) await deps.ledger.acquireLease(lease, holder, deps.now(), LEASE_TTL_MS);
    };
    return await work(renew);
  } finally {
    for (const lease of held.reverse()) await deps.ledger.releaseLease(lease, holder).catch(() => undefined);
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
