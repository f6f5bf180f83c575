import { dayOfTimestamp } from '../calendar/days.ts';
import type { ActivityPage, Customer, DailyUsage, UsageSource } from '../ledger/usage-source.ts';
import { UsageSourceError } from '../ledger/usage-source.ts';
import type { E2Client } from './client.ts';
import { E2ApiError, E2Error, E2TransportError } from './errors.ts';

/** The ledger's usage source on the IDrive e2 Reseller API: IDrive's fields and errors, in the ledger's words. */
export class E2UsageSource implements UsageSource {
  constructor(private readonly client: E2Client) {}

  get stats() {
    return this.client.stats;
  }

  async customers(): Promise<Customer[]> {
    const users = await translate(() => this.client.users.list());
    return users.map((u) => ({
      email: u.email,
      firstName: u.first_name,
      lastName: u.last_name,
      accountCreatedAt: u.account_creation_timestamp,
      createdDay: dayOfTimestamp(u.account_creation_timestamp),
      isSignedUp: u.is_signed_up,
      isActive: u.is_active,
      storageQuotaGb: u.storage_quota,
    }));
  }

  async dailyUsage(email: string, from: string, to: string): Promise<DailyUsage[]> {
    const rows = await translate(() => this.client.users.usageStats(email, from, to));
    return rows.map((r) => ({
      day: r.date,
      diskUsedBytes: r.disk_used,
      uploadedBytes: r.uploads,
      downloadedBytes: r.downloads,
    }));
  }

  async *activity(email: string, day: string): AsyncIterable<ActivityPage> {
    const pages = this.client.users.activityHistory(email, day, day)[Symbol.asyncIterator]();
    for (;;) {
      const next = await translate(() => pages.next());
      if (next.done) return;
      yield {
        records: next.value.records.map((r) => ({
          timestamp: r.timestamp,
          ip: r.ip,
          description: r.description,
        })),
        totalRecords: next.value.totalRecords,
      };
    }
  }
}

/** An IDrive failure as the ledger records it: IDrive's own code when it sent one. */
async function translate<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof E2ApiError)
      throw new UsageSourceError(error.code, error.apiMessage, error.transient, { cause: error });
    if (error instanceof E2TransportError)
      throw new UsageSourceError(error.code, error.message, true, { cause: error });
    if (error instanceof E2Error)
      throw new UsageSourceError(error.name, error.message, error.transient, { cause: error });
    throw error;
  }
}
