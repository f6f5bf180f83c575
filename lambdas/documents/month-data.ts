import { format, parseISO, subMonths } from 'date-fns';
import { monthDays } from '../billing/month-invoices.ts';
import { expectedUsers } from '../ledger/expected-users.ts';
import { documentStatus, type InvoiceDocument } from '../ledger/invoice-documents.ts';
import type { UserProfile } from '../ledger/model.ts';
import type { LedgerStore } from '../ledger/ports.ts';

/** One customer's month, day by day (index = day of the month - 1). Bytes are exact below 2^53. */
export type CustomerDays = {
  readonly email: string;
  readonly disk: Float64Array;
  readonly uploaded: Float64Array;
  readonly downloaded: Float64Array;
  /** 1 where the day's snapshot is stored (zero-usage days included). */
  readonly stored: Uint8Array;
};

/** What the month's files for people are made of: read once, rendered four ways. */
export type MonthData = {
  readonly month: string;
  readonly days: readonly string[];
  readonly documents: readonly InvoiceDocument[];
  readonly previousDocuments: readonly InvoiceDocument[];
  readonly customers: ReadonlyMap<string, CustomerDays>;
  /** Sum of every customer's disk used per day, exact. */
  readonly diskPerDay: readonly bigint[];
  readonly profiles: readonly UserProfile[];
  /** Expected user-days of the month without a snapshot. */
  readonly missingUserDays: number;
  readonly customersMissingDays: number;
};

export const previousMonth = (month: string) => format(subMonths(parseISO(`${month}-01`), 1), 'yyyy-MM');

/** Reads the month's snapshots (one query per day), documents and the directory. */
export async function loadMonthData(
  ledger: Pick<LedgerStore, 'snapshotsForDay' | 'listProfiles' | 'monthDocuments'>,
  month: string,
): Promise<MonthData> {
  const days = monthDays(month);
  const customers = new Map<string, CustomerDays>();
  const diskPerDay = days.map(() => 0n);
  for (const [i, day] of days.entries()) {
    for await (const page of ledger.snapshotsForDay(day)) {
      for (const s of page) {
        let c = customers.get(s.email);
        if (!c) {
          const n = days.length;
          c = {
            email: s.email,
            disk: new Float64Array(n),
            uploaded: new Float64Array(n),
            downloaded: new Float64Array(n),
            stored: new Uint8Array(n),
          };
          customers.set(s.email, c);
        }
        c.disk[i] = s.diskUsedBytes;
        c.uploaded[i] = s.uploadedBytes;
        c.downloaded[i] = s.downloadedBytes;
        c.stored[i] = 1;
        diskPerDay[i] = diskPerDay[i]! + BigInt(s.diskUsedBytes);
      }
    }
  }
  const profiles = await ledger.listProfiles();
  let missingUserDays = 0;
  const missingCustomers = new Set<string>();
  for (const [i, day] of days.entries())
    for (const p of expectedUsers(profiles, day))
      if (!customers.get(p.email)?.stored[i]) {
        missingUserDays++;
        missingCustomers.add(p.email);
      }
  return {
    month,
    days,
    documents: await ledger.monthDocuments(month),
    previousDocuments: await ledger.monthDocuments(previousMonth(month)),
    customers,
    diskPerDay,
    profiles,
    missingUserDays,
    customersMissingDays: missingCustomers.size,
  };
}

/** The documents that stand for the month: every invoice not cancelled by a credit note. */
export function standingInvoices(documents: readonly InvoiceDocument[]): InvoiceDocument[] {
  return documents.filter((d) => d.type === 'invoice' && documentStatus(d, documents) === 'issued');
}
