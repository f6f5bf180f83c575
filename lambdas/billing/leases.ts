import { randomUUID } from 'node:crypto';
import { InvoiceRefusedError } from './invoice-errors.ts';
import type { InvoicingDeps } from './invoicing.ts';

/** One issuer per month and per numbering period at a time: leases are conditional items with a TTL, renewed while an issue runs. */
const LEASE_TTL_MS = 15 * 60_000;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `work` holding every lease in order; waits for another holder up to `leaseWaitMs`. */
export async function withLeases<T>(
  deps: InvoicingDeps,
  leases: readonly string[],
  month: string,
  work: (renew: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const holder = `${deps.principal} ${randomUUID()}`;
  const sleep = deps.sleep ?? realSleep;
  const held: string[] = [];
  try {
    for (const lease of leases) {
      const deadline = Date.now() + (deps.leaseWaitMs ?? 60_000);
      for (;;) {
        const got = await deps.ledger.acquireLease(lease, holder, deps.now(), LEASE_TTL_MS);
        if (got.acquired) break;
        if (Date.now() >= deadline)
          throw new InvoiceRefusedError(
            'in_progress',
            `another issue of ${month} is in progress (${got.holder}, holding ${lease} until ${got.expiresAt}); try again when it is done`,
          );
        await sleep(250);
      }
      held.push(lease);
    }
    const renew = async () => {
      for (const lease of held) await deps.ledger.acquireLease(lease, holder, deps.now(), LEASE_TTL_MS);
    };
    return await work(renew);
  } finally {
    for (const lease of held.reverse()) await deps.ledger.releaseLease(lease, holder).catch(() => undefined);
  }
}
