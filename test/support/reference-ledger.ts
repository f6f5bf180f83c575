import { issueInvoices } from '../../lambdas/billing/invoicing.ts';
import { runCollection } from '../../lambdas/collect/run-collection.ts';
import type { RunDeps } from '../../lambdas/collect/run-record.ts';
import { defaultWindowSettings } from '../../lambdas/collect/window.ts';
import { E2Client } from '../../lambdas/e2/client.ts';
import { E2UsageSource } from '../../lambdas/e2/usage-source.ts';
import { createDocumentClient, createS3Client } from '../../lambdas/store/aws-clients.ts';
import { dynamoLedgerStore } from '../../lambdas/store/dynamo-ledger-store.ts';
import { S3ObjectStore } from '../../lambdas/store/s3-object-store.ts';
import { startLocalStores } from '../../local/stores/local-stores.ts';
import { type ReferenceFixture, startReferenceServer } from './reference-server.ts';

/**
 * The reference-following server (Python) in front of a ledger on the local stores: what the
 * acceptance tests of invoices, margins and alerts collect from. Runs happen on 2026-11-05 unless
 * told otherwise.
 */
export async function startReferenceLedger(fixture: ReferenceFixture, token: string) {
  const server = await startReferenceServer(fixture, token);
  const stores = await startLocalStores();
  const ledger = dynamoLedgerStore(createDocumentClient(stores.connection), stores.table);
  const objects = new S3ObjectStore(createS3Client(stores.connection), stores.bucket);
  const e2 = new E2Client({ apiUrl: server.url, token });
  return {
    server,
    stores,
    ledger,
    objects,
    e2,
    /** A backfill of from..to through the same run as the CLI's. */
    collect(from: string, to: string, overrides: Partial<RunDeps> = {}) {
      return runCollection(
        {
          source: new E2UsageSource(e2),
          ledger,
          objects,
          now: () => new Date('2026-11-05T02:30:00Z'),
          concurrency: 4,
          settings: defaultWindowSettings,
          ...overrides,
        },
        { kind: 'backfill', from, to },
      );
    },
    /** Issues `month` with the rate card text, as finance would on 2026-11-05. */
    issue(month: string, rateCardText: string) {
      return issueInvoices(
        {
          ledger,
          objects,
          now: () => new Date('2026-11-05T06:00:00Z'),
          principal: 'test:finance',
          graceDays: 3,
        },
        { month, rateCardText },
      );
    },
    async stop() {
      await e2.close();
      await stores.stop();
      await server.stop();
    },
  };
}
