import { endOfMonth, format, parseISO } from 'date-fns';
import { daysBetween } from '../calendar/days.ts';
import { expectedUsers } from '../ledger/expected-users.ts';
import type { DocumentAmounts, DocumentUsage } from '../ledger/invoice-documents.ts';
import type { UserProfile } from '../ledger/model.ts';
import type { LedgerStore } from '../ledger/ports.ts';
import { computeInvoice, type InvoiceAmounts, type UsageMonth } from './invoice-line.ts';
import { type Currency, formatMoney } from './money.ts';
import { type RateCard, termsFor } from './rate-card.ts';

/** One customer's month as computed now from the snapshots and a rate card (not yet a document). */
export type ComputedInvoice = {
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly usage: UsageMonth;
  readonly amounts: InvoiceAmounts;
  readonly complete: boolean;
};

export type MissingDays = { readonly email: string; readonly days: readonly string[] };

export type MonthComputation = {
  readonly month: string;
  readonly days: readonly string[];
  readonly lines: readonly ComputedInvoice[];
  readonly missing: readonly MissingDays[];
  readonly snapshotCount: number;
  /** Everyone in the directory who had a snapshot in the month (invoiced or not). */
  readonly customers: ReadonlySet<string>;
};

/** Every UTC day of a `YYYY-MM` month (28 to 31 of them). */
export function monthDays(month: string): string[] {
  const first = `${month}-01`;
  return daysBetween(first, format(endOfMonth(parseISO(first)), 'yyyy-MM-dd'));
}

type Aggregate = {
  dayBits: bigint;
  days: number;
  diskSum: bigint;
  diskPeak: bigint;
  lastDay: string;
  diskLast: bigint;
  down: bigint;
  up: bigint;
  /** The account existed on at least one day (a usage_stats row); before-creation days alone do not bill. */
  existed: boolean;
};

/**
 * The month from the daily snapshots: one line per customer with a collected day on which the
 * account existed (disabled ones included; never-signed-up ones have no snapshot), in email order.
 */
export async function computeMonth(
  ledger: Pick<LedgerStore, 'snapshotsForDay' | 'listProfiles'>,
  month: string,
  card: RateCard,
): Promise<MonthComputation> {
  const days = monthDays(month);
  const { aggregates, snapshotCount } = await aggregateMonth(ledger, days);
  const profiles = await ledger.listProfiles();
  const byEmail = new Map(profiles.map((p) => [p.email, p]));
  const lines = [...aggregates.entries()]
    .filter(([, a]) => a.existed)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([email, a]): ComputedInvoice => {
      // Days before the account existed are not stored (nothing to collect); they count as collected.
      const created = byEmail.get(email)?.createdDay ?? null;
      let bits = a.dayBits;
      for (const [i, day] of days.entries()) if (created !== null && day < created) bits |= 1n << BigInt(i);
      const daysCollected = bits.toString(2).replaceAll('0', '').length;
      const usage: UsageMonth = {
        email,
        daysInPeriod: days.length,
        daysCollected,
        diskUsedSum: a.diskSum,
        diskUsedPeak: a.diskPeak,
        diskUsedLast: a.diskLast,
        downloadedSum: a.down,
        uploadedSum: a.up,
      };
      return {
        email,
        firstName: byEmail.get(email)?.firstName ?? null,
        lastName: byEmail.get(email)?.lastName ?? null,
        usage,
        amounts: computeInvoice(usage, termsFor(card, email)),
        complete: daysCollected === days.length,
      };
    });
  return {
    month,
    days,
    lines,
    missing: missingDays(profiles, days, aggregates),
    snapshotCount,
    customers: new Set(aggregates.keys()),
  };
}

async function aggregateMonth(ledger: Pick<LedgerStore, 'snapshotsForDay'>, days: readonly string[]) {
  const aggregates = new Map<string, Aggregate>();
  let snapshotCount = 0;
  for (const [index, day] of days.entries()) {
    for await (const page of ledger.snapshotsForDay(day)) {
      for (const s of page) {
        snapshotCount++;
        let a = aggregates.get(s.email);
        if (!a) {
          a = {
            dayBits: 0n,
            days: 0,
            diskSum: 0n,
            diskPeak: 0n,
            lastDay: '',
            diskLast: 0n,
            down: 0n,
            up: 0n,
            existed: false,
          };
          aggregates.set(s.email, a);
        }
        const disk = BigInt(s.diskUsedBytes);
        a.dayBits |= 1n << BigInt(index);
        a.days++;
        a.diskSum += disk;
        if (disk > a.diskPeak) a.diskPeak = disk;
        if (day > a.lastDay) {
          a.lastDay = day;
          a.diskLast = disk;
        }
        a.down += BigInt(s.downloadedBytes);
        a.up += BigInt(s.uploadedBytes);
        if (s.usageSource === 'api') a.existed = true;
      }
    }
  }
  return { aggregates, snapshotCount };
}

function missingDays(
  profiles: readonly UserProfile[],
  days: readonly string[],
  aggregates: ReadonlyMap<string, Aggregate>,
): MissingDays[] {
  const missing = new Map<string, string[]>();
  for (const [index, day] of days.entries()) {
    for (const p of expectedUsers(profiles, day)) {
      const bits = aggregates.get(p.email)?.dayBits ?? 0n;
      if ((bits & (1n << BigInt(index))) === 0n) {
        const list = missing.get(p.email) ?? [];
        list.push(day);
        missing.set(p.email, list);
      }
    }
  }
  return [...missing.entries()]
    .map(([email, d]) => ({ email, days: d }))
    .sort((a, b) => (a.email < b.email ? -1 : 1));
}

const QUANTITY_DECIMALS = 12;

/** A computed line as a document's usage and amounts (exact strings; the amounts rounded as billed). */
export function documentFigures(
  line: ComputedInvoice,
  card: RateCard,
): { currency: Currency; usage: DocumentUsage; amounts: DocumentAmounts } {
  const c = card.currency;
  const terms = termsFor(card, line.email);
  const a = line.amounts;
  return {
    currency: c,
    usage: {
      daysInPeriod: line.usage.daysInPeriod,
      daysCollected: line.usage.daysCollected,
      avgStorageBytes: a.avgStorageBytes.toFixed(0),
      peakStorageBytes: line.usage.diskUsedPeak.toString(),
      storageQuantity: a.storageQuantity.toFixed(QUANTITY_DECIMALS),
      storageUnit: terms.storage.unit,
      storageBasis: terms.storage.basis,
      downloadedBytes: line.usage.downloadedSum.toString(),
      uploadedBytes: line.usage.uploadedSum.toString(),
      complete: line.complete,
    },
    amounts: {
      storage: formatMoney(a.storageAmount, c),
      download: formatMoney(a.downloadAmount, c),
      upload: formatMoney(a.uploadAmount, c),
      discount: formatMoney(a.discount, c),
      minimumAdjustment: formatMoney(a.minimumAdjustment, c),
      subtotal: formatMoney(a.subtotal, c),
      tax: formatMoney(a.tax, c),
      total: formatMoney(a.total, c),
    },
  };
}

/** The amounts of a credit note that cancels `amounts` in full ("12.30" -> "-12.30"; zero stays "0.00"). */
export function negated(amounts: DocumentAmounts): DocumentAmounts {
  const neg = (v: string) => (/^-/.test(v) ? v.slice(1) : /^0+(\.0+)?$/.test(v) ? v : `-${v}`);
  return Object.fromEntries(Object.entries(amounts).map(([k, v]) => [k, neg(v)])) as DocumentAmounts;
}
