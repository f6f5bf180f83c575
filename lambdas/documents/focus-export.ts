import type Decimal from 'decimal.js';
import { allocate } from '../billing/allocation.ts';
import { type Currency, Dec, formatMoney } from '../billing/money.ts';
import { plusDays } from '../calendar/days.ts';
import type { InvoiceDocument } from '../ledger/invoice-documents.ts';
import { type CsvCell, csvHeader, csvNumber, csvRows } from '../reports/csv.ts';
import type { Issuer } from './issuer.ts';
import type { CustomerDays, MonthData } from './month-data.ts';

/**
 * FinOps FOCUS 1.2 (https://focus.finops.org), the columns the spec makes mandatory, the conditional
 * ones that apply to resold object storage, and two `x_` columns of our own. How we read the spec:
 * - Provider and invoice issuer are the reseller (it sells and invoices); the publisher is IDrive e2.
 * - One billing account (the reseller's); each customer is a sub-account (SubAccountId = its email).
 * - One row per document, customer, charge and day for usage (storage, downloads, uploads): each
 *   document line's amount is split over the days by that day's bytes, by largest remainder, so the
 *   days add up to the line exactly; storage quantity in <unit>-Months, transfers in GB.
 * - Discount (Credit), minimum charge (Adjustment) and tax (Tax) are one row each for the month.
 * - ChargeClass is "Correction" for every row of a credit note and of a replacement invoice (a
 *   customer-month invoiced again after a correction): both correct an already invoiced period.
 * - List, contracted and effective cost equal the billed cost: rate-card prices are the list, there
 *   are no commitments; unit prices are null (graduated tiers have no single unit price).
 * - Dates are UTC; period ends are exclusive (the next day or month at 00:00:00Z).
 * Per customer, the sum of BilledCost is the month's register net (invoices plus credit notes).
 */
export const FOCUS_COLUMNS = [
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'ConsumedQuantity',
  'ConsumedUnit',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'InvoiceId',
  'InvoiceIssuerName',
  'ListCost',
  'ListUnitPrice',
  'PricingCategory',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'ServiceCategory',
  'ServiceName',
  'ServiceSubcategory',
  'SkuId',
  'SubAccountId',
  'SubAccountName',
  'SubAccountType',
  'x_DocumentType',
  'x_Issue',
] as const;

const at = (day: string) => `${day}T00:00:00Z`;
const QUANTITY_DECIMALS = 12;
const quantity = (v: Decimal) => csvNumber(v.toFixed(QUANTITY_DECIMALS).replace(/\.?0+$/, '') || '0');

/** Customers whose month was invoiced more than once: their later documents correct the first. */
function correctingDocuments(documents: readonly InvoiceDocument[]): Set<string> {
  const first = new Map<string, number>();
  for (const d of documents)
    if (d.type === 'invoice') first.set(d.email, Math.min(first.get(d.email) ?? d.issue, d.issue));
  return new Set(
    documents
      .filter((d) => d.type === 'credit_note' || (first.has(d.email) && d.issue > first.get(d.email)!))
      .map((d) => d.number),
  );
}

/** The FOCUS rows of the month, document by document (a generator: large months stream). */
export function* focusRows(data: MonthData, issuer: Issuer): Generator<CsvCell[]> {
  const corrections = correctingDocuments(data.documents);
  const periodStart = at(data.days[0]!);
  const periodEnd = at(plusDays(data.days.at(-1)!, 1));
  const ordered = [...data.documents].sort((a, b) =>
    a.email !== b.email ? (a.email < b.email ? -1 : 1) : a.number < b.number ? -1 : 1,
  );
  for (const d of ordered) {
    const currency = d.currency as Currency;
    const money = (v: Decimal) => csvNumber(formatMoney(v, currency));
    const sign = d.type === 'credit_note' ? -1 : 1;
    const name = [d.firstName, d.lastName].filter(Boolean).join(' ') || null;
    const row = (r: {
      cost: Decimal;
      category: 'Usage' | 'Credit' | 'Adjustment' | 'Tax';
      description: string;
      frequency: 'Usage-Based' | 'Recurring';
      start: string;
      end: string;
      quantity: Decimal | null;
      unit: string | null;
      sku: string | null;
    }): CsvCell[] => [
      money(r.cost),
      issuer.billingAccountId ?? issuer.name,
      issuer.name,
      currency,
      periodEnd,
      periodStart,
      r.category,
      corrections.has(d.number) ? 'Correction' : null,
      r.description,
      r.frequency,
      r.end,
      r.start,
      r.category === 'Usage' && r.quantity ? quantity(r.quantity) : null,
      r.category === 'Usage' ? r.unit : null,
      money(r.cost),
      null,
      money(r.cost),
      d.number,
      issuer.name,
      money(r.cost),
      null,
      'Standard',
      r.quantity === null ? null : quantity(r.quantity),
      r.quantity === null ? null : r.unit,
      issuer.name,
      'IDrive e2',
      'Storage',
      'IDrive e2 Object Storage',
      'Object Storage',
      r.sku,
      d.email,
      name,
      'Customer',
      d.type,
      d.issue,
    ];
    const days = data.customers.get(d.email);
    const usage = [
      {
        amount: d.amounts.storage,
        weights: (c: CustomerDays) => c.disk,
        total: new Dec(d.usage.storageQuantity),
        unit: `${d.usage.storageUnit}-Months`,
        description: `Object storage (${d.usage.storageBasis.replace('_', ' ')}, ${d.usage.storageUnit}-months)`,
        sku: 'storage',
      },
      {
        amount: d.amounts.download,
        weights: (c: CustomerDays) => c.downloaded,
        total: new Dec(d.usage.downloadedBytes).div(1e9),
        unit: 'GB',
        description: 'Downloads (egress)',
        sku: 'downloads',
      },
      {
        amount: d.amounts.upload,
        weights: (c: CustomerDays) => c.uploaded,
        total: new Dec(d.usage.uploadedBytes).div(1e9),
        unit: 'GB',
        description: 'Uploads (ingress)',
        sku: 'uploads',
      },
    ];
    for (const u of usage) {
      const amount = new Dec(u.amount).abs();
      const stored = data.days.map((_, i) => (days?.stored[i] ? i : -1)).filter((i) => i >= 0);
      if (stored.length === 0) {
        if (!amount.isZero() || !u.total.isZero())
          yield row({
            cost: amount.times(sign),
            category: 'Usage',
            description: u.description,
            frequency: 'Usage-Based',
            start: periodStart,
            end: periodEnd,
            quantity: u.total.abs().times(sign),
            unit: u.unit,
            sku: u.sku,
          });
        continue;
      }
      const weights = stored.map((i) => new Dec(u.weights(days!)[i]!));
      const costs = allocate(amount, weights, currency);
      const weightSum = weights.reduce((a, w) => a.plus(w), new Dec(0));
      for (const [k, i] of stored.entries()) {
        const share = weightSum.isZero() ? new Dec(1).div(stored.length) : weights[k]!.div(weightSum);
        const q = u.total.abs().times(share);
        if (costs[k]!.isZero() && q.isZero()) continue;
        yield row({
          cost: costs[k]!.times(sign),
          category: 'Usage',
          description: u.description,
          frequency: 'Usage-Based',
          start: at(data.days[i]!),
          end: at(plusDays(data.days[i]!, 1)),
          quantity: q.times(sign),
          unit: u.unit,
          sku: u.sku,
        });
      }
    }
    const monthly = (cost: Decimal, category: 'Credit' | 'Adjustment' | 'Tax', description: string) =>
      row({
        cost,
        category,
        description,
        frequency: 'Recurring',
        start: periodStart,
        end: periodEnd,
        quantity: null,
        unit: null,
        sku: null,
      });
    if (!new Dec(d.amounts.discount).isZero())
      yield monthly(new Dec(d.amounts.discount).negated(), 'Credit', 'Discount on usage');
    if (!new Dec(d.amounts.minimumAdjustment).isZero())
      yield monthly(new Dec(d.amounts.minimumAdjustment), 'Adjustment', 'Minimum monthly charge adjustment');
    if (!new Dec(d.amounts.tax).isZero()) yield monthly(new Dec(d.amounts.tax), 'Tax', 'Tax');
  }
}

/** The whole file as text chunks: the header, then rows a thousand at a time. */
export function* focusCsv(data: MonthData, issuer: Issuer): Generator<string> {
  yield csvHeader(FOCUS_COLUMNS);
  let batch: CsvCell[][] = [];
  for (const r of focusRows(data, issuer)) {
    batch.push(r);
    if (batch.length === 1000) {
      yield csvRows(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield csvRows(batch);
}
