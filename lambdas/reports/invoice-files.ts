import { type Currency, Dec, formatMoney } from '../billing/money.ts';
import type { MonthComputation } from '../billing/month-invoices.ts';
import { documentFigures } from '../billing/month-invoices.ts';
import type { RateCard } from '../billing/rate-card.ts';
import { UNIT_BYTES } from '../billing/rate-card.ts';
import { AMOUNT_FIELDS, documentStatus, type InvoiceDocument } from '../ledger/invoice-documents.ts';
import type { ObjectStore, StoredObject } from '../ledger/ports.ts';
import { csvHeader, csvNumber, csvRows } from './csv.ts';
import { INVOICE_COLUMNS, invoiceKeys, REGISTER_COLUMNS, SUMMARY_COLUMNS } from './layout.ts';

const CSV = 'text/csv; charset=utf-8';

/** Documents in the order an issue claims them: by customer, a credit note before its replacement. */
export function documentOrder(a: InvoiceDocument, b: InvoiceDocument): number {
  if (a.issue !== b.issue) return a.issue - b.issue;
  if (a.email !== b.email) return a.email < b.email ? -1 : 1;
  if (a.type !== b.type) return a.type === 'credit_note' ? -1 : 1;
  return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
}

function documentRow(d: InvoiceDocument, status: string) {
  const m = (v: string) => csvNumber(v);
  return [
    d.number,
    d.periodStart,
    d.periodEnd,
    d.email,
    d.firstName,
    d.lastName,
    d.usage.daysInPeriod,
    d.usage.daysCollected,
    csvNumber(d.usage.avgStorageBytes),
    csvNumber(d.usage.peakStorageBytes),
    csvNumber(d.usage.storageQuantity),
    d.usage.storageUnit,
    m(d.amounts.storage),
    csvNumber(d.usage.downloadedBytes),
    m(d.amounts.download),
    csvNumber(d.usage.uploadedBytes),
    m(d.amounts.upload),
    m(d.amounts.minimumAdjustment),
    m(d.amounts.subtotal),
    m(d.amounts.tax),
    m(d.amounts.total),
    d.currency,
    d.usage.complete,
    m(d.amounts.discount),
    d.usage.storageBasis,
    status,
    d.type,
    d.references,
    d.issuedAt,
    d.reason,
    d.issue,
  ];
}

/**
 * The documents one issue created, with every figure finance reconciles: written once, when the
 * issue is made, and never again (a rewrite after a crash produces the same bytes).
 */
export async function writeIssueFiles(
  objects: ObjectStore,
  month: string,
  issue: number,
  documents: readonly InvoiceDocument[],
  meta: { rateCardSha256: string; principal: string },
): Promise<{ documents: StoredObject; manifest: StoredObject }> {
  const sorted = [...documents].sort(documentOrder);
  const text = csvHeader(INVOICE_COLUMNS) + csvRows(sorted.map((d) => documentRow(d, 'issued')));
  const stored = await objects.putText(invoiceKeys.issueDocuments(month, issue), text, CSV);
  const manifest = {
    month,
    issue,
    issuedAt: sorted[0]?.issuedAt ?? null,
    principal: meta.principal,
    files: [{ key: stored.key, sha256: stored.sha256, bytes: stored.bytes, rows: sorted.length }],
    invoices: sorted.filter((d) => d.type === 'invoice').map((d) => d.number),
    creditNotes: sorted
      .filter((d) => d.type === 'credit_note')
      .map((d) => ({ number: d.number, references: d.references })),
    rateCardSha256: meta.rateCardSha256,
  };
  const manifestObject = await objects.putText(
    invoiceKeys.issueManifest(month, issue),
    `${JSON.stringify(manifest, null, 2)}\n`,
    'application/json',
  );
  return { documents: stored, manifest: manifestObject };
}

/** The sum of each customer's documents: what they owe for the month (strings, currency minor units). */
export function netByCustomer(
  documents: readonly InvoiceDocument[],
): Map<string, { currency: string; total: string }> {
  const sums = new Map<string, { currency: string; total: Dec }>();
  for (const d of documents) {
    const s = sums.get(d.email) ?? { currency: d.currency, total: new Dec(0) };
    s.total = s.total.plus(d.amounts.total);
    sums.set(d.email, s);
  }
  return new Map(
    [...sums].map(([e, s]) => [
      e,
      { currency: s.currency, total: formatMoney(s.total, s.currency as Currency) },
    ]),
  );
}

/** `invoices/YYYY-MM/register-YYYY-MM.csv`: every issued document of the month, rewritten on every issue. */
export async function writeRegister(
  objects: ObjectStore,
  month: string,
  documents: readonly InvoiceDocument[],
): Promise<{ register: StoredObject; manifest: StoredObject }> {
  const sorted = [...documents].sort(documentOrder);
  const m = (v: string) => csvNumber(v);
  const rows = sorted.map((d) => [
    d.number,
    d.type,
    d.email,
    d.issuedAt,
    d.references,
    d.currency,
    m(d.amounts.subtotal),
    m(d.amounts.tax),
    m(d.amounts.total),
    documentStatus(d, documents),
    d.issue,
    d.reason,
    d.firstName,
    d.lastName,
    m(d.amounts.storage),
    m(d.amounts.download),
    m(d.amounts.upload),
    m(d.amounts.discount),
    m(d.amounts.minimumAdjustment),
  ]);
  const register = await objects.putText(
    invoiceKeys.register(month),
    csvHeader(REGISTER_COLUMNS) + csvRows(rows),
    CSV,
  );
  const totals = new Map<string, Record<string, Dec>>();
  for (const d of documents) {
    const t = totals.get(d.currency) ?? Object.fromEntries(AMOUNT_FIELDS.map((f) => [f, new Dec(0)]));
    for (const f of AMOUNT_FIELDS) t[f] = t[f]!.plus(d.amounts[f]);
    totals.set(d.currency, t);
  }
  const manifest = {
    month,
    files: [{ key: register.key, sha256: register.sha256, bytes: register.bytes, rows: rows.length }],
    invoices: documents.filter((d) => d.type === 'invoice').length,
    creditNotes: documents.filter((d) => d.type === 'credit_note').length,
    issues: Math.max(0, ...documents.map((d) => d.issue)),
    customers: new Set(documents.map((d) => d.email)).size,
    // The net of every document: what the month bills, after corrections.
    net: Object.fromEntries(
      [...totals].map(([currency, t]) => [
        currency,
        Object.fromEntries(AMOUNT_FIELDS.map((f) => [f, formatMoney(t[f]!, currency as Currency)])),
      ]),
    ),
  };
  const manifestObject = await objects.putText(
    invoiceKeys.registerManifest(month),
    `${JSON.stringify(manifest, null, 2)}\n`,
    'application/json',
  );
  return { register, manifest: manifestObject };
}

/** A draft: every computed line, numbered DRAFT and marked draft, in its own folder. */
export async function writeDraftFiles(
  objects: ObjectStore,
  draft: number,
  computation: MonthComputation,
  card: RateCard,
  meta: { rateCardSha256: string; createdAt: string },
): Promise<{ invoices: StoredObject; summary: StoredObject; manifest: StoredObject }> {
  const { month, days } = computation;
  const figures = computation.lines.map((l) => ({ line: l, ...documentFigures(l, card) }));
  const rows = figures.map(({ line, currency, usage, amounts }) =>
    documentRow(
      {
        number: 'DRAFT',
        type: 'invoice',
        month,
        email: line.email,
        firstName: line.firstName,
        lastName: line.lastName,
        issuedAt: '',
        issue: 0,
        references: null,
        reason: null,
        voids: false,
        currency,
        periodStart: days[0]!,
        periodEnd: days.at(-1)!,
        usage,
        amounts,
        rateCardSha256: meta.rateCardSha256,
        numbering: card.numbering,
        sequence: 'DRAFT',
        position: 1,
      },
      'draft',
    ).map((cell, i) =>
      INVOICE_COLUMNS[i] === 'document_type' ? 'draft' : INVOICE_COLUMNS[i] === 'issue' ? null : cell,
    ),
  );
  const invoices = await objects.putText(
    invoiceKeys.draftInvoices(month, draft),
    csvHeader(INVOICE_COLUMNS) + csvRows(rows),
    CSV,
  );
  const c = card.currency;
  const sum = (f: (typeof AMOUNT_FIELDS)[number]) =>
    csvNumber(
      formatMoney(
        figures.reduce((t, x) => t.plus(x.amounts[f]), new Dec(0)),
        c,
      ),
    );
  const tbMonths = computation.lines
    .reduce((t, l) => t.plus(l.amounts.avgStorageBytes), new Dec(0))
    .div(UNIT_BYTES.TB.toString());
  const summary = await objects.putText(
    invoiceKeys.draftSummary(month, draft),
    csvHeader(SUMMARY_COLUMNS) +
      csvRows([
        [
          c,
          computation.lines.length,
          computation.lines.filter((l) => l.complete).length,
          csvNumber(tbMonths.toFixed(6)),
          computation.lines.reduce((t, l) => t + l.usage.downloadedSum, 0n),
          computation.lines.reduce((t, l) => t + l.usage.uploadedSum, 0n),
          sum('storage'),
          sum('download'),
          sum('upload'),
          sum('discount'),
          sum('minimumAdjustment'),
          sum('subtotal'),
          sum('tax'),
          sum('total'),
        ],
      ]),
    CSV,
  );
  const manifest = await objects.putText(
    invoiceKeys.draftManifest(month, draft),
    `${JSON.stringify(
      {
        month,
        draft,
        status: 'draft',
        createdAt: meta.createdAt,
        note: 'A draft: no invoice numbers, nothing issued. Issue the month to create invoices.',
        files: [
          { key: invoices.key, sha256: invoices.sha256, bytes: invoices.bytes, rows: rows.length },
          { key: summary.key, sha256: summary.sha256, bytes: summary.bytes, rows: 1 },
        ],
        snapshotCount: computation.snapshotCount,
        complete: computation.missing.length === 0,
        missing: computation.missing,
        rateCardSha256: meta.rateCardSha256,
        rateCard: card,
      },
      null,
      2,
    )}\n`,
    'application/json',
  );
  return { invoices, summary, manifest };
}
