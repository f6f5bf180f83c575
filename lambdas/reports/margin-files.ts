import type Decimal from 'decimal.js';
import type { MarginReport, MarginRow } from '../billing/margin.ts';
import { formatMoney } from '../billing/money.ts';
import type { ObjectStore, StoredObject } from '../ledger/ports.ts';
import { type CsvCell, csvHeader, csvNumber, csvRows } from './csv.ts';
import { invoiceKeys, MARGIN_COLUMNS, MARGIN_SUMMARY_COLUMNS } from './layout.ts';

const CSV = 'text/csv; charset=utf-8';
const QUANTITY_DECIMALS = 12;

/** Money, a percentage, a quantity and bytes as CSV numbers (never text, never exponent notation). */
export function marginCells(report: Pick<MarginReport, 'currency'>) {
  const money = (v: Decimal) => csvNumber(formatMoney(v, report.currency));
  return {
    money,
    pct: (v: Decimal | null) => (v === null ? null : csvNumber(v.toFixed(2))),
    quantity: (v: Decimal) => csvNumber(v.toFixed(QUANTITY_DECIMALS)),
    bytes: (v: Decimal | bigint) => csvNumber(typeof v === 'bigint' ? v.toString() : v.toFixed(0)),
  };
}

export function marginRow(report: MarginReport, unit: string, r: MarginRow): CsvCell[] {
  const c = marginCells(report);
  return [
    r.email,
    c.money(r.revenue),
    c.money(r.storageCost),
    c.money(r.deletedStorageCost),
    c.money(r.userFeeCost),
    c.money(r.egressCost),
    c.money(r.totalCost),
    c.money(r.margin),
    c.pct(r.marginPct),
    r.negativeMargin,
    report.currency,
    c.quantity(r.storageQuantity),
    unit,
    c.bytes(r.deletedBytes),
    c.bytes(r.earlyDeletedBytes),
    c.quantity(r.deletedStorageQuantity),
    c.bytes(r.downloadedBytes),
    c.bytes(r.excessEgressBytes),
  ];
}

function summaryRows(report: MarginReport): CsvCell[][] {
  const c = marginCells(report);
  const t = report.totals;
  const b = report.bill;
  const rows: CsvCell[][] = [
    ['month', report.month, null],
    ['currency', report.currency, null],
    ['customers', report.rows.length, null],
    ['documents', report.documents, 'issued invoices and credit notes of the month'],
    ['revenue', c.money(t.revenue), 'net of issued documents, before tax'],
    ['storage_cost', c.money(t.storageCost), b.minimumApplied ? 'the monthly minimum applied' : null],
    ['deleted_storage_cost', c.money(t.deletedStorageCost), 'an estimate; see deleted_storage_method'],
    [
      'deleted_storage_cost_oldest_first',
      c.money(b.deletedStorageOldestFirst),
      'the low end of the estimate',
    ],
    [
      'user_fee_cost',
      c.money(t.userFeeCost),
      `${b.billableUsers} of ${b.accounts} account(s) above the free ones`,
    ],
    ['egress_cost', c.money(t.egressCost), null],
    ['total_cost', c.money(t.totalCost), 'the modelled provider bill'],
    ['margin', c.money(t.margin), null],
    ['margin_pct', c.pct(t.marginPct), null],
    ['negative_margin_customers', t.negativeMarginCustomers, null],
  ];
  report.lowest.forEach((r, i) => {
    rows.push([
      `lowest_margin_${i + 1}`,
      r.email,
      `${formatMoney(r.margin, report.currency)} ${report.currency}`,
    ]);
  });
  const rec = report.reconciliation;
  if (rec) {
    rows.push(['provider_bill', c.money(rec.providerBill), null]);
    rows.push(['provider_bill_difference', c.money(rec.difference), 'provider bill minus the modelled cost']);
    rows.push(['provider_bill_explained', rec.explained, null]);
    rec.explanations.forEach((e, i) => {
      rows.push([`explanation_${i + 1}`, e, null]);
    });
  }
  rows.push(['deleted_storage_method', report.method.deletedStorage, null]);
  rows.push(['allocation_method', report.method.allocation, null]);
  rows.push(['rounding', report.method.rounding, null]);
  return rows;
}

/**
 * `invoices/YYYY-MM/margin-YYYY-MM.csv` (one row per customer), the summary beside it and a manifest
 * with every input's hash: the same inputs give the same bytes.
 */
export async function writeMarginFiles(
  objects: ObjectStore,
  report: MarginReport,
  meta: { readonly costCardSha256: string; readonly storageUnit: string; readonly generatedAt: string },
): Promise<{ margin: StoredObject; summary: StoredObject; manifest: StoredObject }> {
  const { month } = report;
  const rows = report.rows.map((r) => marginRow(report, meta.storageUnit, r));
  const margin = await objects.putText(
    invoiceKeys.margin(month),
    csvHeader(MARGIN_COLUMNS) + csvRows(rows),
    CSV,
  );
  const summary = await objects.putText(
    invoiceKeys.marginSummary(month),
    csvHeader(MARGIN_SUMMARY_COLUMNS) + csvRows(summaryRows(report)),
    CSV,
  );
  const c = marginCells(report);
  const manifest = {
    month,
    generatedAt: meta.generatedAt,
    currency: report.currency,
    costCardSha256: meta.costCardSha256,
    documents: report.documents,
    files: [
      { key: margin.key, sha256: margin.sha256, bytes: margin.bytes, rows: rows.length },
      { key: summary.key, sha256: summary.sha256, bytes: summary.bytes },
    ],
    totals: {
      revenue: c.money(report.totals.revenue).text,
      totalCost: c.money(report.totals.totalCost).text,
      margin: c.money(report.totals.margin).text,
    },
    method: report.method,
    estimate: 'deleted_storage_cost is an estimate from daily totals (see method.deletedStorage)',
  };
  const manifestObject = await objects.putText(
    invoiceKeys.marginManifest(month),
    `${JSON.stringify(manifest, null, 2)}\n`,
    'application/json',
  );
  return { margin, summary, manifest: manifestObject };
}

/** The report as plain JSON (money and quantities as exact strings), for `margin --json` and APIs. */
export function marginReportJson(report: MarginReport) {
  const c = marginCells(report);
  const m = (v: Decimal) => c.money(v).text;
  const row = (r: MarginRow) => ({
    email: r.email,
    revenue: m(r.revenue),
    storageCost: m(r.storageCost),
    deletedStorageCost: m(r.deletedStorageCost),
    userFeeCost: m(r.userFeeCost),
    egressCost: m(r.egressCost),
    totalCost: m(r.totalCost),
    margin: m(r.margin),
    marginPct: r.marginPct?.toFixed(2) ?? null,
    negativeMargin: r.negativeMargin,
    storageQuantity: c.quantity(r.storageQuantity).text,
    deletedBytesEstimate: r.deletedBytes.toString(),
    earlyDeletedBytesEstimate: r.earlyDeletedBytes.toString(),
    downloadedBytes: r.downloadedBytes.toString(),
  });
  const t = report.totals;
  const b = report.bill;
  const rec = report.reconciliation;
  return {
    month: report.month,
    currency: report.currency,
    documents: report.documents,
    totals: {
      revenue: m(t.revenue),
      storageCost: m(t.storageCost),
      deletedStorageCost: m(t.deletedStorageCost),
      userFeeCost: m(t.userFeeCost),
      egressCost: m(t.egressCost),
      totalCost: m(t.totalCost),
      margin: m(t.margin),
      marginPct: t.marginPct?.toFixed(2) ?? null,
      negativeMarginCustomers: t.negativeMarginCustomers,
    },
    lowest: report.lowest.map(row),
    bill: {
      activeStorageQuantity: c.quantity(b.activeStorageQuantity).text,
      storage: m(b.storage),
      minimumApplied: b.minimumApplied,
      deletedStorage: m(b.deletedStorage),
      deletedStorageOldestFirst: m(b.deletedStorageOldestFirst),
      accounts: b.accounts,
      billableUsers: b.billableUsers,
      userFee: m(b.userFee),
      billableEgressBytes: b.billableEgressBytes.toFixed(0),
      egress: m(b.egress),
      total: m(b.total),
    },
    reconciliation: rec
      ? {
          providerBill: m(rec.providerBill),
          modelled: m(rec.modelled),
          difference: m(rec.difference),
          explained: rec.explained,
          explanations: rec.explanations,
        }
      : null,
    method: report.method,
    rows: report.rows.map(row),
  };
}
