import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { minusDays, utcToday } from '../../lambdas/calendar/days.ts';
import { runCollection } from '../../lambdas/collect/run-collection.ts';
import { defaultWindowSettings } from '../../lambdas/collect/window.ts';
import { E2Client } from '../../lambdas/e2/client.ts';
import { E2UsageSource } from '../../lambdas/e2/usage-source.ts';
import { createDocumentClient, createS3Client } from '../../lambdas/store/aws-clients.ts';
import { dynamoLedgerStore } from '../../lambdas/store/dynamo-ledger-store.ts';
import { S3ObjectStore } from '../../lambdas/store/s3-object-store.ts';
import { E2Simulator } from '../../local/simulator/server.ts';
import { LOCK_FILE } from '../../local/stores/data-dir-lock.ts';
import { startLocalStores } from '../../local/stores/local-stores.ts';
import { spawnCli } from '../support/cli.ts';
import { TEST_TOKEN } from '../support/sim.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'e2l-serve-'));
const ADMIN = 'ops-token-0123456789abcdef';
const today = utcToday(new Date());
const from = minusDays(today, 120);
const to = minusDays(today, 1);
let sim: E2Simulator;

afterAll(async () => {
  await sim?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('e2-ledger serve', () => {
  it('stops promptly on SIGTERM with a backfill in flight, records it interrupted, and a resume completes it', async () => {
    // 25 ms per answer: this backfill takes minutes, so it is surely in flight at SIGTERM.
    sim = new E2Simulator({ seed: 3, users: 20, token: TEST_TOKEN, today, latencyMs: 25 });
    const url = await sim.start(0);
    const { child, done } = spawnCli(['serve', '--port', '0', '--data-dir', dataDir], {
      E2_API_URL: url,
      E2_API_TOKEN: TEST_TOKEN,
      E2L_ADMIN_TOKENS: `ops:operator:${ADMIN}`,
    });
    const address = await new Promise<string>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => {
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(d.toString());
        if (m) resolve(m[1]!);
      });
    });
    const started = await fetch(`${address}/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from, to }),
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    while (sim.stats.requests < 100) await new Promise((r) => setTimeout(r, 50));
    const requestsAtStop = sim.stats.requests;
    child.kill('SIGTERM');
    const { end } = await done;
    expect(end).toBe('exit 0');
    // Stopped between days, not after the whole range (which is thousands of requests).
    expect(sim.stats.requests - requestsAtStop).toBeLessThan(200);

    const stores = await startLocalStores({ dataDir });
    const ledger = dynamoLedgerStore(createDocumentClient(stores.connection), stores.table);
    const objects = new S3ObjectStore(createS3Client(stores.connection), stores.bucket);
    try {
      const run = await ledger.getRun(runId);
      expect(run).toMatchObject({ status: 'failed' });
      expect(run!.error).toMatch(/interrupted.*onlyMissing completes the rest/);
      sim.latencyMs = 0;
      const e2 = new E2Client({ apiUrl: url, token: TEST_TOKEN });
      const resumed = await runCollection(
        {
          source: new E2UsageSource(e2),
          ledger,
          objects,
          now: () => new Date(),
          concurrency: 8,
          settings: defaultWindowSettings,
        },
        { kind: 'backfill', from, to, onlyMissing: true },
      );
      await e2.close();
      expect(resumed.summary.status).toBe('succeeded');
      expect(resumed.summary.userDaysStored).toBeGreaterThan(0);
    } finally {
      await stores.stop();
    }
    expect(await import('node:fs').then((fs) => fs.existsSync(join(dataDir, LOCK_FILE)))).toBe(false);
  }, 120_000);
});
