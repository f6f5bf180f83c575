// A collection in its own process, so its peak memory is measured alone (the simulator runs in the
// parent). Same code path as `e2-ledger collect`: runCollection over dynalite + s3rver.
import { parseArgs } from 'node:util';
import { collectUsers, exportDays, finalizeRun, startRun } from '../lambdas/collect/run-collection.ts';
import { defaultWindowSettings } from '../lambdas/collect/window.ts';
import { E2Client } from '../lambdas/e2/client.ts';
import { E2UsageSource } from '../lambdas/e2/usage-source.ts';
import { createDocumentClient, createS3Client } from '../lambdas/store/aws-clients.ts';
import { dynamoLedgerStore } from '../lambdas/store/dynamo-ledger-store.ts';
import { S3ObjectStore } from '../lambdas/store/s3-object-store.ts';
import { startLocalStoresProcess } from '../local/stores/store-process-client.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    'data-dir': { type: 'string' },
    now: { type: 'string' },
  },
});
const concurrency = Number(values.concurrency);
// The stores run in their own process, as on the CLI: this process's CPU is the collector's alone.
const stores = await startLocalStoresProcess({ dataDir: values['data-dir']! });
const db = createDocumentClient(stores.connection);
const s3 = createS3Client(stores.connection);
const e2 = new E2Client(
  { apiUrl: values.url!, token: values.token! },
  { maxConcurrency: concurrency, timeoutMs: 2_000 },
);
const now = values.now ? () => new Date(values.now!) : () => new Date();
let peakHeap = 0;
let peakExternal = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
}, 25);
const objects = new S3ObjectStore(s3, stores.bucket);
let partPuts = 0;
const countingObjects = Object.assign(Object.create(objects) as S3ObjectStore, {
  putText: (key: string, text: string, type: string) => {
    if (key.startsWith('staging/')) partPuts++;
    return objects.putText(key, text, type);
  },
});
const deps = {
  source: new E2UsageSource(e2),
  ledger: dynamoLedgerStore(db, stores.table),
  objects: countingObjects,
  now,
  concurrency,
  settings: defaultWindowSettings,
};
const request = { kind: 'backfill' as const, from: values.from!, to: values.to! };
// The three steps of runCollection, timed apart: opening the run, collecting, exporting.
const started = performance.now();
const { summary, users, profiles, directoryWritten } = await startRun(
  deps,
  request,
  {},
  { directoryInBackground: true }, // as runCollection does
);
const listedAt = performance.now();
const cpuBefore = process.cpuUsage();
const outcomes = await collectUsers(
  deps,
  request,
  summary.runId,
  users,
  new Map(profiles.map((p) => [p.email, p.collectedThrough])),
  { prefetchStoredDays: true, directoryWritten }, // as runCollection does
);
await directoryWritten;
const collectedAt = performance.now();
const collectCpu = process.cpuUsage(cpuBefore);
const finished = await finalizeRun(deps, summary, outcomes, profiles, exportDays(summary, outcomes));
const elapsedMs = performance.now() - started;
const phases = {
  startMs: listedAt - started,
  collectMs: collectedAt - listedAt,
  exportMs: performance.now() - collectedAt,
};
const result = { summary: finished };
// Item sizes for the cost model: a snapshot item is its attributes plus the keys (JSON length is
// close to DynamoDB's own count of names and values).
let snapshotItems = 0;
let snapshotBytes = 0;
for await (const page of deps.ledger.snapshotsForDay(values.to!))
  for (const s of page) {
    snapshotItems++;
    snapshotBytes += JSON.stringify(s).length + 80;
  }
clearInterval(sampler);
await e2.close();
db.destroy();
s3.destroy();
await stores.stop();
const cpu = {
  /** The collector's own CPU during the collect step, per user-day stored. */
  collectorMsPerUserDay: (collectCpu.user + collectCpu.system) / 1000 / Math.max(1, finished.userDaysStored),
  collectorMs: (collectCpu.user + collectCpu.system) / 1000,
  /** The store process's CPU over the whole run (dynalite, s3rver). */
  storesMs: stores.usage()?.cpuMs ?? null,
  storesMaxRssMb: stores.usage()?.maxRssMb ?? null,
};
const items = { snapshotItems, snapshotBytes, partPuts };
process.stdout.write(
  `${JSON.stringify({ elapsedMs, phases, cpu, items, maxRssMb: process.resourceUsage().maxRSS / 1024, peakHeapMb: peakHeap / 2 ** 20, peakExternalMb: peakExternal / 2 ** 20, summary: result.summary, requests: e2.stats.requests })}\n`,
);
