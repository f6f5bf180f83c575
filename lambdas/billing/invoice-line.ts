import type Decimal from 'decimal.js';
import { Dec, formatMoney, roundMoney } from './money.ts';
import { type CustomerTerms, UNIT_BYTES } from './rate-card.ts';

/** One customer's month, aggregated from daily snapshots (bytes as exact bigints). */
export type UsageMonth = {
  readonly email: string;
  readonly daysInPeriod: number;
  /** Days with a stored snapshot, zero-usage days included. */
  readonly daysCollected: number;
  readonly diskUsedSum: bigint;
  readonly diskUsedPeak: bigint;
  /** disk_used on the last collected day of the month. */
  readonly diskUsedLast: bigint;
  readonly downloadedSum: bigint;
  readonly uploadedSum: bigint;
};

export type InvoiceAmounts = {
  readonly avgStorageBytes: Decimal;
  readonly storageQuantity: Decimal;
  readonly storageAmount: Decimal;
  readonly downloadAmount: Decimal;
  readonly uploadAmount: Decimal;
  readonly discount: Decimal;
  readonly minimumAdjustment: Decimal;
  readonly subtotal: Decimal;
  readonly tax: Decimal;
  readonly total: Decimal;
};

/**
 * The normative invoice arithmetic, all in exact decimals:
 * - storage quantity = basis bytes / unit (average_daily: sum of daily disk_used / calendar days);
 * - graduated tiers: each prices the part of the quantity between the previous upTo and its own,
 *   summed at full precision, then rounded half-up to the minor unit;
 * - downloads / uploads = summed bytes / unit x unitPrice, rounded;
 * - discount = round((storage + download + upload) x discountRate) (0 without an override);
 * - minimum_adjustment = max(0, minimumCharge - (lines - discount)); subtotal = lines - discount + adjustment;
 * - tax = round(subtotal x taxRate); total = subtotal + tax.
 */
export function computeInvoice(usage: UsageMonth, terms: CustomerTerms): InvoiceAmounts {
  const c = terms.currency;
  const avgStorageBytes = new Dec(usage.diskUsedSum.toString()).div(usage.daysInPeriod);
  const basisBytes =
    terms.storage.basis === 'average_daily'
      ? avgStorageBytes
      : new Dec((terms.storage.basis === 'peak_daily' ? usage.diskUsedPeak : usage.diskUsedLast).toString());
  const storageQuantity = basisBytes.div(UNIT_BYTES[terms.storage.unit].toString());
  const storageAmount = roundMoney(graduated(storageQuantity, terms.storage.tiers), c);
  const downloadAmount = roundMoney(transferCost(usage.downloadedSum, terms.downloads), c);
  const uploadAmount = roundMoney(transferCost(usage.uploadedSum, terms.uploads), c);
  const lines = storageAmount.plus(downloadAmount).plus(uploadAmount);
  const discount = roundMoney(lines.times(terms.discountRate), c);
  const net = lines.minus(discount);
  const minimum = new Dec(terms.minimumCharge);
  const minimumAdjustment = roundMoney(Dec.max(0, minimum.minus(net)), c);
  const subtotal = net.plus(minimumAdjustment);
  const tax = roundMoney(subtotal.times(terms.taxRate), c);
  return {
    avgStorageBytes,
    storageQuantity,
    storageAmount,
    downloadAmount,
    uploadAmount,
    discount,
    minimumAdjustment,
    subtotal,
    tax,
    total: subtotal.plus(tax),
  };
}

/** Graduated (not volume) tiers, at full precision. */
export function graduated(
  quantity: Decimal,
  tiers: readonly { upTo: string | null; unitPrice: string }[],
): Decimal {
  let amount = new Dec(0);
  let floor = new Dec(0);
  for (const tier of tiers) {
    if (quantity.lte(floor)) break;
    const ceiling = tier.upTo === null ? quantity : Dec.min(quantity, tier.upTo);
    amount = amount.plus(ceiling.minus(floor).times(tier.unitPrice));
    if (tier.upTo === null) break;
    floor = new Dec(tier.upTo);
  }
  return amount;
}

function transferCost(bytes: bigint, price: { unit: keyof typeof UNIT_BYTES; unitPrice: string }): Decimal {
  return new Dec(bytes.toString()).div(UNIT_BYTES[price.unit].toString()).times(price.unitPrice);
}

export { formatMoney };
