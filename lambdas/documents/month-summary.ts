import type Decimal from 'decimal.js';
import type { MarginReport } from '../billing/margin.ts';
import { type Currency, Dec } from '../billing/money.ts';
import type { InvoiceDocument } from '../ledger/invoice-documents.ts';
import { type MonthData, previousMonth, standingInvoices } from './month-data.ts';

const TB = new Dec(10).pow(12);

/** The figures a month is judged by; each is a sum over the month's documents, as the CSVs have them. */
export type MonthFigures = {
  /** Net of every issued document before tax (the register's subtotals). */
  readonly revenue: Decimal;
  /** Net billed, tax included (the register's totals). */
  readonly billed: Decimal;
  readonly tax: Decimal;
  /** Average stored TB over the month, summed over the standing invoices (avg_storage_bytes / 10^12). */
  readonly tbMonths: Decimal;
  readonly downloadedBytes: bigint;
  /** Customers with a standing invoice. */
  readonly customers: number;
};

export type MonthSummary = {
  readonly month: string;
  readonly previousMonth: string;
  readonly currency: Currency;
  readonly current: MonthFigures;
  readonly previous: MonthFigures | null;
  readonly documents: { readonly invoices: number; readonly creditNotes: number };
  /** Total disk used per day, in TB (exact decimals). */
  readonly dailyStorageTb: readonly { readonly day: string; readonly tb: Decimal }[];
  /** Revenue by customer, highest first: the top 15 and the rest as one figure. */
  readonly topRevenue: readonly { readonly email: string; readonly revenue: Decimal }[];
  readonly restRevenue: { readonly customers: number; readonly revenue: Decimal };
  /** Disk used from each customer's first to last stored day of the month, largest change first. */
  readonly growth: readonly { readonly email: string; readonly fromTb: Decimal; readonly toTb: Decimal }[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly disabled: readonly string[];
  readonly missingUserDays: number;
  readonly customersMissingDays: number;
  readonly margin: MarginReport | null;
};

export function figures(documents: readonly InvoiceDocument[]): MonthFigures {
  const sum = (f: (d: InvoiceDocument) => string) => documents.reduce((a, d) => a.plus(f(d)), new Dec(0));
  const standing = standingInvoices(documents);
  return {
    revenue: sum((d) => d.amounts.subtotal),
    billed: sum((d) => d.amounts.total),
    tax: sum((d) => d.amounts.tax),
    tbMonths: standing.reduce((a, d) => a.plus(d.usage.avgStorageBytes), new Dec(0)).div(TB),
    downloadedBytes: standing.reduce((a, d) => a + BigInt(d.usage.downloadedBytes), 0n),
    customers: new Set(standing.map((d) => d.email)).size,
  };
}

export function summarizeMonth(data: MonthData, margin: MarginReport | null): MonthSummary {
  const currency = (data.documents[0]?.currency ?? margin?.currency ?? 'USD') as Currency;
  const revenue = new Map<string, Decimal>();
  for (const d of data.documents)
    revenue.set(d.email, (revenue.get(d.email) ?? new Dec(0)).plus(d.amounts.subtotal));
  const ranked = [...revenue]
    .map(([email, r]) => ({ email, revenue: r }))
    .sort((a, b) => b.revenue.comparedTo(a.revenue) || (a.email < b.email ? -1 : 1));
  const rest = ranked.slice(15);
  const growth = [...data.customers.values()]
    .map((c) => {
      const stored = [...c.stored.keys()].filter((i) => c.stored[i]);
      if (stored.length === 0) return null;
      return {
        email: c.email,
        fromTb: new Dec(c.disk[stored[0]!]!).div(TB),
        toTb: new Dec(c.disk[stored.at(-1)!]!).div(TB),
      };
    })
    .filter((g): g is NonNullable<typeof g> => g !== null)
    .sort(
      (a, b) =>
        b.toTb.minus(b.fromTb).abs().comparedTo(a.toTb.minus(a.fromTb).abs()) || (a.email < b.email ? -1 : 1),
    )
    .slice(0, 15);
  const inMonth = (v: string | null) => v !== null && v.slice(0, 7) === data.month;
  return {
    month: data.month,
    previousMonth: previousMonth(data.month),
    currency,
    current: figures(data.documents),
    previous: data.previousDocuments.length > 0 ? figures(data.previousDocuments) : null,
    documents: {
      invoices: data.documents.filter((d) => d.type === 'invoice').length,
      creditNotes: data.documents.filter((d) => d.type === 'credit_note').length,
    },
    dailyStorageTb: data.days.map((day, i) => ({ day, tb: new Dec(data.diskPerDay[i]!.toString()).div(TB) })),
    topRevenue: ranked.slice(0, 15),
    restRevenue: { customers: rest.length, revenue: rest.reduce((a, r) => a.plus(r.revenue), new Dec(0)) },
    growth,
    added: data.profiles
      .filter((p) => inMonth(p.createdDay))
      .map((p) => p.email)
      .sort(),
    removed: data.profiles
      .filter((p) => inMonth(p.removedAt))
      .map((p) => p.email)
      .sort(),
    disabled: data.profiles
      .filter((p) => p.isSignedUp && !p.isActive && p.removedAt === null)
      .map((p) => p.email)
      .sort(),
    missingUserDays: data.missingUserDays,
    customersMissingDays: data.customersMissingDays,
    margin,
  };
}
