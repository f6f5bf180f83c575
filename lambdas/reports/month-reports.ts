import type { ObjectStore } from '../ledger/ports.ts';
import { reportKeys } from './layout.ts';

/** Every report file of a month, with the store that holds it (reports bucket or audit bucket). */
export async function* monthReports(
  stores: { objects: ObjectStore; auditObjects?: ObjectStore | undefined },
  month: string,
): AsyncGenerator<{ store: ObjectStore; key: string }> {
  const prefixes = reportKeys.monthPrefixes(month);
  for (const prefix of prefixes.reports)
    for await (const key of stores.objects.list(prefix)) yield { store: stores.objects, key };
  const audit = stores.auditObjects ?? stores.objects;
  for (const prefix of prefixes.audit)
    for await (const key of audit.list(prefix)) yield { store: audit, key };
}
