import { Readable } from 'node:stream';
import { endOfMonth, format, parseISO } from 'date-fns';
import { daysBetween, utcToday } from '../calendar/days.ts';
import { csvHeader, csvRows } from '../reports/csv.ts';
import { expectedUsers } from '../reports/daily-exports.ts';
import { INVOICE_COLUMNS, invoiceKeys, SUMMARY_COLUMNS } from '../reports/layout.ts';
import type { InvoiceVersion, LedgerStore, ObjectStore, StoredObject, UserProfile } from '../store/ports.ts';
import { computeInvoice, type InvoiceAmounts, type UsageMonth } from './invoice-line.ts';
import { Dec, formatMoney } from './money.ts';
import { parseRateCard, type RateCard, termsFor, UNIT_BYTES } from './rate-card.ts';

export type InvoiceDeps = {
  readonly ledger: LedgerStore;
  readonly objects: ObjectStore;
  readonly now: () => Date;
};

export type InvoiceRequest = {
  /** `YYYY-MM` */
  readonly month: string;
  /** The rate card file's text (hashed as given, so the manifest pins the exact card). */
  readonly rateCardText: string;
  /** Produce a version marked draft even if days are missing or the month is not over. */
  readonly draft: boolean;
};

export type InvoiceLine = {
  readonly invoiceNumber: string;
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly usage: UsageMonth;
  readonly amounts: InvoiceAmounts;
  readonly complete: boolean;
};

export type MissingDays = { readonly email: string; readonly days: readonly string[] };

export type InvoiceResult = {
  readonly month: string;
  readonly version: number;
  readonly draft: boolean;
  readonly lines: readonly InvoiceLine[];
  readonly currency: string;
  readonly missing: readonly MissingDays[];
  readonly files: {
    readonly invoices: StoredObject;
    readonly summary: StoredObject;
    readonly manifest: StoredObject;
  };
  readonly snapshotCount: number;
};

export class InvoiceRefusedError extends Error {
  override name = 'InvoiceRefusedError';
  constructor(
    message: string,
    readonly missing: readonly MissingDays[] = [],
  ) {
    super(message);
  }
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
 * Turns a month of daily snapshots into invoices: one row per customer with a collected day, gapless
 * numbers that stay with the customer across versions, and a new version vN+1 on every generation.
 * A month with a missing user-day is refused unless a draft is asked for.
 */
export async function generateInvoices(deps: InvoiceDeps, request: InvoiceRequest): Promise<InvoiceResult> {
  const { card, sha256: rateCardSha256 } = parseRateCard(request.rateCardText);
  const days = monthDays(request.month);
  const monthStart = days[0]!;
  const monthEnd = days.at(-1)!;
  if (!request.draft && monthEnd >= utcToday(deps.now())) {
    throw new InvoiceRefusedError(
      `${request.month} is not over yet (UTC); use --draft for a provisional version`,
    );
  }

  const { aggregates, snapshotCount } = await aggregateMonth(deps.ledger, days);
  const profiles = await deps.ledger.listProfiles();
  const missing = missingDays(profiles, days, aggregates);
  if (missing.length > 0 && !request.draft) {
    const detail = missing
      .slice(0, 10)
      .map(
        (m) =>
          `${m.email} (${m.days.length} day(s): ${m.days.slice(0, 5).join(', ')}${m.days.length > 5 ? ', ...' : ''})`,
      )
      .join('; ');
    throw new InvoiceRefusedError(
      `${request.month} has ${missing.reduce((n, m) => n + m.days.length, 0)} missing user-day(s) for ${missing.length} customer(s): ${detail}${missing.length > 10 ? '; ...' : ''}. Collect them (e2-ledger collect --from ${monthStart} --to ${monthEnd}) or use --draft.`,
      missing,
    );
  }

  const invoiced = [...aggregates.entries()]
    .filter(([, a]) => a.existed)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const numbers = request.draft
    ? await deps.ledger.invoiceNumbers(request.month)
    : await assignNumbers(
        deps.ledger,
        request.month,
        invoiced.map(([email]) => email),
      );
  const byEmail = new Map(profiles.map((p) => [p.email, p]));
  const compact = request.month.replace('-', '');
  const lines: InvoiceLine[] = invoiced.map(([email, a]) => {
    const usage: UsageMonth = {
      email,
      daysInPeriod: days.length,
      daysCollected: a.days,
      diskUsedSum: a.diskSum,
      diskUsedPeak: a.diskPeak,
      diskUsedLast: a.diskLast,
      downloadedSum: a.down,
      uploadedSum: a.up,
    };
    const n = numbers.get(email);
    return {
      invoiceNumber: n === undefined ? 'DRAFT' : `INV-${compact}-${String(n).padStart(6, '0')}`,
      email,
      firstName: byEmail.get(email)?.firstName ?? null,
      lastName: byEmail.get(email)?.lastName ?? null,
      usage,
      amounts: computeInvoice(usage, termsFor(card, email)),
      complete: a.days === days.length,
    };
  });

  const version = await claimVersion(deps, request.month, request.draft, rateCardSha256, lines.length);
  const status = request.draft ? 'draft' : 'final';
  const invoices = await deps.objects.putStream(
    invoiceKeys.invoices(request.month, version.version),
    Readable.from(invoiceCsv(lines, card, monthStart, monthEnd, status)),
    'text/csv; charset=utf-8',
  );
  const summary = await deps.objects.putText(
    invoiceKeys.summary(request.month, version.version),
    summaryCsv(lines, card),
    'text/csv; charset=utf-8',
  );
  const manifestBody = {
    month: request.month,
    version: version.version,
    status,
    createdAt: version.createdAt,
    files: [
      { key: invoices.key, sha256: invoices.sha256, bytes: invoices.bytes, rows: lines.length },
      { key: summary.key, sha256: summary.sha256, bytes: summary.bytes, rows: 1 },
    ],
    snapshotCount,
    daysInPeriod: days.length,
    complete: missing.length === 0,
    missing,
    rateCardSha256,
    rateCard: card,
  };
  const manifest = await deps.objects.putText(
    invoiceKeys.manifest(request.month, version.version),
    `${JSON.stringify(manifestBody, null, 2)}\n`,
    'application/json',
  );
  await deps.ledger.completeInvoiceVersion({ ...version, invoiceFileSha256: invoices.sha256 });
  return {
    month: request.month,
    version: version.version,
    draft: request.draft,
    lines,
    currency: card.currency,
    missing,
    files: { invoices, summary, manifest },
    snapshotCount,
  };
}

/** Every UTC day of a `YYYY-MM` month (28 to 31 of them). */
export function monthDays(month: string): string[] {
  const first = `${month}-01`;
  return daysBetween(first, format(endOfMonth(parseISO(first)), 'yyyy-MM-dd'));
}

async function aggregateMonth(ledger: LedgerStore, days: readonly string[]) {
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
        const days = missing.get(p.email) ?? [];
        days.push(day);
        missing.set(p.email, days);
      }
    }
  }
  return [...missing.entries()]
    .map(([email, d]) => ({ email, days: d }))
    .sort((a, b) => (a.email < b.email ? -1 : 1));
}

/** Existing numbers stay; new customers get the next numbers in email order, each claimed conditionally. */
async function assignNumbers(
  ledger: LedgerStore,
  month: string,
  emails: readonly string[],
): Promise<Map<string, number>> {
  const numbers = await ledger.invoiceNumbers(month);
  for (const email of emails) {
    while (!numbers.has(email)) {
      const next = Math.max(0, ...numbers.values()) + 1;
      if (await ledger.claimInvoiceNumber(month, next, email)) numbers.set(email, next);
      else for (const [e, n] of await ledger.invoiceNumbers(month)) numbers.set(e, n); // another writer: re-read
    }
  }
  return numbers;
}

async function claimVersion(
  deps: InvoiceDeps,
  month: string,
  draft: boolean,
  rateCardSha256: string,
  rows: number,
): Promise<InvoiceVersion> {
  for (;;) {
    const versions = await deps.ledger.invoiceVersions(month);
    const version: InvoiceVersion = {
      month,
      version: Math.max(0, ...versions.map((v) => v.version)) + 1,
      draft,
      createdAt: deps.now().toISOString(),
      rateCardSha256,
      invoiceFileSha256: null,
      rows,
    };
    if (await deps.ledger.claimInvoiceVersion(version)) return version;
  }
}

const QUANTITY_DECIMALS = 12;

async function* invoiceCsv(
  lines: readonly InvoiceLine[],
  card: RateCard,
  start: string,
  end: string,
  status: string,
): AsyncGenerator<string> {
  yield csvHeader(INVOICE_COLUMNS);
  const c = card.currency;
  for (let i = 0; i < lines.length; i += 500) {
    yield csvRows(
      lines.slice(i, i + 500).map((l) => {
        const terms = termsFor(card, l.email);
        const a = l.amounts;
        return [
          l.invoiceNumber,
          start,
          end,
          l.email,
          l.firstName,
          l.lastName,
          l.usage.daysInPeriod,
          l.usage.daysCollected,
          a.avgStorageBytes.toFixed(0),
          l.usage.diskUsedPeak.toString(),
          a.storageQuantity.toFixed(QUANTITY_DECIMALS),
          terms.storage.unit,
          formatMoney(a.storageAmount, c),
          l.usage.downloadedSum.toString(),
          formatMoney(a.downloadAmount, c),
          l.usage.uploadedSum.toString(),
          formatMoney(a.uploadAmount, c),
          formatMoney(a.minimumAdjustment, c),
          formatMoney(a.subtotal, c),
          formatMoney(a.tax, c),
          formatMoney(a.total, c),
          c,
          l.complete,
          formatMoney(a.discount, c),
          terms.storage.basis,
          status,
        ];
      }),
    );
  }
}

/** Summed in the order of SUMMARY_COLUMNS' money columns. */
const SUMMED_AMOUNTS = [
  'storageAmount',
  'downloadAmount',
  'uploadAmount',
  'discount',
  'minimumAdjustment',
  'subtotal',
  'tax',
  'total',
] as const;

function summaryCsv(lines: readonly InvoiceLine[], card: RateCard): string {
  const c = card.currency;
  const total = (field: (typeof SUMMED_AMOUNTS)[number]) =>
    formatMoney(
      lines.reduce((t, l) => t.plus(l.amounts[field]), new Dec(0)),
      c,
    );
  const tbMonths = lines
    .reduce((t, l) => t.plus(l.amounts.avgStorageBytes), new Dec(0))
    .div(UNIT_BYTES.TB.toString());
  return (
    csvHeader(SUMMARY_COLUMNS) +
    csvRows([
      [
        c,
        lines.length,
        lines.filter((l) => l.complete).length,
        tbMonths.toFixed(6),
        lines.reduce((t, l) => t + l.usage.downloadedSum, 0n).toString(),
        lines.reduce((t, l) => t + l.usage.uploadedSum, 0n).toString(),
        ...SUMMED_AMOUNTS.map(total),
      ],
    ])
  );
}
