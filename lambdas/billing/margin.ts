import type Decimal from 'decimal.js';
import { minusDays, plusDays } from '../calendar/days.ts';
import { expectedUsers } from '../ledger/expected-users.ts';
import type { InvoiceDocument } from '../ledger/invoice-documents.ts';
import type { UserProfile } from '../ledger/model.ts';
import type { LedgerStore } from '../ledger/ports.ts';
import { allocate } from './allocation.ts';
import type { CostCard } from './cost-card.ts';
import {
  type CohortOrder,
  type DayUsage,
  DELETED_STORAGE_METHOD,
  replayDeletions,
} from './deleted-storage.ts';
import {
  ALLOCATION_METHOD,
  MarginRefusedError,
  type MarginReport,
  type MarginRow,
  type ModelledBill,
  ROUNDING_METHOD,
} from './margin-model.ts';
import { Dec, roundMoney } from './money.ts';
import { type MissingDays, monthDays } from './month-invoices.ts';
import { UNIT_BYTES } from './rate-card.ts';
import { reconcile } from './reconciliation.ts';

export * from './margin-model.ts';

type Series = { days: DayUsage[]; existed: boolean; downloaded: bigint; diskSum: bigint };

/**
 * The month's margins from the snapshots, the issued documents and the cost card. Refused when the
 * month has no issued document, a customer-day is missing, or the currencies differ.
 */
export async function computeMargins(
  ledger: Pick<LedgerStore, 'snapshotsForDay' | 'listProfiles' | 'monthDocuments'>,
  month: string,
  card: CostCard,
  options: { readonly providerBill?: string } = {},
): Promise<MarginReport> {
  const days = monthDays(month);
  const documents = await ledger.monthDocuments(month);
  if (documents.length === 0)
    throw new MarginRefusedError(
      'not_issued',
      `${month} has no issued invoice: margins are computed against issued documents; issue the month first`,
    );
  const currency = card.currency;
  const foreign = documents.find((d) => d.currency !== currency);
  if (foreign)
    throw new MarginRefusedError(
      'currency_mismatch',
      `the cost card is in ${currency} but ${foreign.number} is in ${foreign.currency}`,
    );
  const profiles = await ledger.listProfiles();
  // The cohorts need the minimum duration's worth of days before the month.
  const first = minusDays(days[0]!, card.minimumStorageDays);
  const series = await loadSeries(ledger, first, days);
  const missing = missingInMonth(profiles, days, series);
  if (missing.length > 0)
    throw new MarginRefusedError(
      'missing_user_days',
      `${month} has ${missing.reduce((n, m) => n + m.days.length, 0)} missing user-day(s) for ${missing.length} customer(s); collect them first`,
      missing,
    );

  const revenue = revenueByCustomer(documents);
  const created = new Map(profiles.map((p) => [p.email, p.createdDay]));
  const emails = [
    ...new Set([...revenue.keys(), ...[...series].filter(([, s]) => s.existed).map(([e]) => e)]),
  ].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const unitBytes = new Dec(UNIT_BYTES[card.storage.unit].toString());
  const price = new Dec(card.storage.unitPrice);
  const perCustomer = emails.map((email) => {
    const s = series.get(email) ?? { days: [], existed: false, downloaded: 0n, diskSum: 0n };
    const quantity = new Dec(s.diskSum.toString()).div(days.length).div(unitBytes);
    const estimate = (order: CohortOrder) =>
      deletedStorage(s.days, created.get(email) ?? null, days, card, order);
    return {
      email,
      s,
      quantity,
      atPrice: quantity.times(price),
      newest: estimate('newest_first'),
      oldest: estimate('oldest_first'),
      avgBytes: new Dec(s.diskSum.toString()).div(days.length),
    };
  });

  // Active storage: the account's bill, the minimum applied to the account as a whole.
  const atPrice = perCustomer.reduce((a, c) => a.plus(c.atPrice), new Dec(0));
  const storageTotal = roundMoney(Dec.max(atPrice, card.storage.monthlyMinimum), currency);
  const storageShares = allocate(
    storageTotal,
    perCustomer.map((c) => c.atPrice),
    currency,
  );
  // Per-user fee: accounts above the free allowance, a twelfth of the yearly fee each.
  const accounts = perCustomer.filter((c) => c.s.existed).length;
  const billableUsers = Math.max(0, accounts - card.users.freeUsers);
  const userFeeTotal = roundMoney(
    new Dec(card.users.yearlyFeePerUser).times(billableUsers).div(12),
    currency,
  );
  const userShares = allocate(
    userFeeTotal,
    perCustomer.map((c) => new Dec(c.s.existed ? 1 : 0)),
    currency,
  );
  // Egress: downloads above the free ratio of the account's storage.
  const egress = card.egress;
  const excess = perCustomer.map((c) =>
    egress.billing === 'free'
      ? new Dec(0)
      : Dec.max(0, new Dec(c.s.downloaded.toString()).minus(c.avgBytes.times(egress.freeRatio))),
  );
  const downloads = perCustomer.reduce((a, c) => a.plus(c.s.downloaded.toString()), new Dec(0));
  const avgTotal = perCustomer.reduce((a, c) => a.plus(c.avgBytes), new Dec(0));
  const billableEgress =
    egress.billing === 'free' ? new Dec(0) : Dec.max(0, downloads.minus(avgTotal.times(egress.freeRatio)));
  const egressTotal =
    egress.billing === 'free'
      ? new Dec(0)
      : roundMoney(billableEgress.div(UNIT_BYTES[egress.unit].toString()).times(egress.unitPrice), currency);
  const egressShares = allocate(egressTotal, excess, currency);

  const rows = perCustomer.map((c, i): MarginRow => {
    const deletedStorageCost = roundMoney(c.newest.cost, currency);
    const costs = [storageShares[i]!, deletedStorageCost, userShares[i]!, egressShares[i]!];
    const totalCost = costs.reduce((a, x) => a.plus(x), new Dec(0));
    const rev = revenue.get(c.email) ?? new Dec(0);
    const margin = rev.minus(totalCost);
    return {
      email: c.email,
      revenue: rev,
      storageCost: storageShares[i]!,
      deletedStorageCost,
      userFeeCost: userShares[i]!,
      egressCost: egressShares[i]!,
      totalCost,
      margin,
      marginPct: rev.isZero() ? null : margin.div(rev).times(100).toDecimalPlaces(2, Dec.ROUND_HALF_UP),
      negativeMargin: margin.isNegative(),
      storageQuantity: c.quantity,
      deletedBytes: c.newest.deletedBytes,
      earlyDeletedBytes: c.newest.earlyBytes,
      deletedStorageQuantity: c.newest.quantity,
      downloadedBytes: c.s.downloaded,
      excessEgressBytes: excess[i]!,
    };
  });

  const sum = (f: (r: MarginRow) => Decimal) => rows.reduce((a, r) => a.plus(f(r)), new Dec(0));
  const totalRevenue = sum((r) => r.revenue);
  const totalCost = sum((r) => r.totalCost);
  const deletedStorageTotal = sum((r) => r.deletedStorageCost);
  const bill: ModelledBill = {
    activeStorageQuantity: perCustomer.reduce((a, c) => a.plus(c.quantity), new Dec(0)),
    activeStorageAtPrice: atPrice,
    storage: storageTotal,
    minimumApplied: atPrice.lt(card.storage.monthlyMinimum),
    deletedStorage: deletedStorageTotal,
    deletedStorageOldestFirst: perCustomer.reduce(
      (a, c) => a.plus(roundMoney(c.oldest.cost, currency)),
      new Dec(0),
    ),
    accounts,
    billableUsers,
    userFee: userFeeTotal,
    billableEgressBytes: billableEgress,
    egress: egressTotal,
    total: totalCost,
  };
  const margin = totalRevenue.minus(totalCost);
  return {
    month,
    currency,
    rows,
    totals: {
      revenue: totalRevenue,
      storageCost: storageTotal,
      deletedStorageCost: deletedStorageTotal,
      userFeeCost: userFeeTotal,
      egressCost: egressTotal,
      totalCost,
      margin,
      marginPct: totalRevenue.isZero()
        ? null
        : margin.div(totalRevenue).times(100).toDecimalPlaces(2, Dec.ROUND_HALF_UP),
      negativeMarginCustomers: rows.filter((r) => r.negativeMargin).length,
    },
    lowest: [...rows]
      .sort((a, b) => a.margin.comparedTo(b.margin) || (a.email < b.email ? -1 : 1))
      .slice(0, 5),
    bill,
    reconciliation:
      options.providerBill === undefined
        ? null
        : reconcile(new Dec(options.providerBill), bill, card, currency),
    documents: documents.length,
    method: {
      deletedStorage: DELETED_STORAGE_METHOD,
      allocation: ALLOCATION_METHOD,
      rounding: ROUNDING_METHOD,
    },
  };
}

/** Net of the month's issued documents before tax: invoices' subtotals less credit notes'. */
function revenueByCustomer(documents: readonly InvoiceDocument[]): Map<string, Decimal> {
  const revenue = new Map<string, Decimal>();
  for (const d of documents)
    revenue.set(d.email, (revenue.get(d.email) ?? new Dec(0)).plus(d.amounts.subtotal));
  return revenue;
}

async function loadSeries(
  ledger: Pick<LedgerStore, 'snapshotsForDay'>,
  first: string,
  month: readonly string[],
): Promise<Map<string, Series>> {
  const series = new Map<string, Series>();
  const inMonth = new Set(month);
  for (let day = first; day <= month.at(-1)!; day = plusDays(day, 1)) {
    for await (const page of ledger.snapshotsForDay(day)) {
      for (const snap of page) {
        let s = series.get(snap.email);
        if (!s) {
          s = { days: [], existed: false, downloaded: 0n, diskSum: 0n };
          series.set(snap.email, s);
        }
        s.days.push({
          day,
          diskBytes: BigInt(snap.diskUsedBytes),
          uploadedBytes: BigInt(snap.uploadedBytes),
        });
        if (inMonth.has(day)) {
          s.diskSum += BigInt(snap.diskUsedBytes);
          s.downloaded += BigInt(snap.downloadedBytes);
          if (snap.usageSource === 'api') s.existed = true;
        }
      }
    }
  }
  return series;
}

function missingInMonth(
  profiles: readonly UserProfile[],
  days: readonly string[],
  series: ReadonlyMap<string, Series>,
): MissingDays[] {
  const stored = new Map([...series].map(([email, s]) => [email, new Set(s.days.map((d) => d.day))]));
  const missing = new Map<string, string[]>();
  for (const day of days)
    for (const p of expectedUsers(profiles, day))
      if (!stored.get(p.email)?.has(day)) missing.set(p.email, [...(missing.get(p.email) ?? []), day]);
  return [...missing].map(([email, d]) => ({ email, days: d }));
}

/** One customer's deleted-storage estimate for the month, at full precision. */
function deletedStorage(
  series: readonly DayUsage[],
  createdDay: string | null,
  month: readonly string[],
  card: CostCard,
  order: CohortOrder,
) {
  const startsEmpty = createdDay !== null && series.length > 0 && createdDay >= series[0]!.day;
  const deletions = replayDeletions(series, { minimumDays: card.minimumStorageDays, order, startsEmpty });
  const first = month[0]!;
  const last = month.at(-1)!;
  const unitBytes = new Dec(UNIT_BYTES[card.storage.unit].toString());
  let deletedBytes = 0n;
  let earlyBytes = 0n;
  let quantity = new Dec(0);
  for (const d of deletions) {
    if (d.day < first || d.day > last) continue;
    deletedBytes += d.bytes;
    if (d.remainingDays > 0) {
      earlyBytes += d.bytes;
      quantity = quantity.plus(
        new Dec(d.bytes.toString()).times(d.remainingDays).div(month.length).div(unitBytes),
      );
    }
  }
  return { deletedBytes, earlyBytes, quantity, cost: quantity.times(card.storage.unitPrice) };
}
