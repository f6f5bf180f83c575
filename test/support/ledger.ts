import { createHash } from 'node:crypto';
import type { RunDeps } from '../../lambdas/collect/run-collection.ts';
import { defaultWindowSettings } from '../../lambdas/collect/window.ts';
import { E2Client } from '../../lambdas/e2/client.ts';
import { E2UsageSource } from '../../lambdas/e2/usage-source.ts';
import type { LedgerStore } from '../../lambdas/ledger/ports.ts';
import { createDocumentClient, createS3Client } from '../../lambdas/store/aws-clients.ts';
import { dynamoLedgerStore } from '../../lambdas/store/dynamo-ledger-store.ts';
import { S3ObjectStore } from '../../lambdas/store/s3-object-store.ts';
import { E2Simulator, type SimulatorOptions } from '../../local/simulator/server.ts';
import { startLocalStores } from '../../local/stores/local-stores.ts';
import { TEST_TOKEN } from './sim.ts';

/** Simulator + dynalite + s3rver on free ports, and the deps a collection run needs. */
export async function startLedger(simOptions: SimulatorOptions & { today: string }, dataDir?: string) {
  const sim = new E2Simulator({ seed: 11, users: 50, token: TEST_TOKEN, ...simOptions });
  const url = await sim.start(0);
  const stores = await startLocalStores(dataDir ? { dataDir } : {});
  const db = createDocumentClient(stores.connection);
  const s3 = createS3Client(stores.connection);
  const ledger = dynamoLedgerStore(db, stores.table);
  const objects = new S3ObjectStore(s3, stores.bucket);
  const clients: E2Client[] = [];
  const now = () => new Date(`${simOptions.today}T03:00:00Z`);

  /** A run's deps on this simulator, plus the IDrive client behind its usage source (for assertions). */
  function deps(
    overrides: Partial<RunDeps> & { timeoutMs?: number } = {},
  ): RunDeps & { e2: E2Client; ledger: LedgerStore } {
    const e2 = new E2Client(
      { apiUrl: url, token: simOptions.token ?? TEST_TOKEN },
      {
        sleep: async () => {},
        timeoutMs: overrides.timeoutMs ?? 2_000,
        maxConcurrency: 8,
        retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
      },
    );
    clients.push(e2);
    const { timeoutMs: _t, ledger: _l, ...rest } = overrides;
    return {
      e2,
      source: new E2UsageSource(e2),
      ledger,
      objects,
      now,
      concurrency: 8,
      settings: defaultWindowSettings,
      ...rest,
    };
  }

  async function text(key: string) {
    const body = await objects.getText(key);
    if (body === null) throw new Error(`no object ${key}`);
    return body;
  }

  async function sha(key: string) {
    return createHash('sha256')
      .update(await text(key))
      .digest('hex');
  }

  return {
    sim,
    url,
    ledger,
    objects,
    deps,
    text,
    sha,
    stores,
    async stop() {
      for (const c of clients) await c.close();
      db.destroy();
      s3.destroy();
      await stores.stop();
      await sim.stop();
    },
  };
}
