// `npm run drill [-- --quick]`: fault drills on the embedded default. Each ends with `lost user-days: N`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { daysBetween, minusDays, utcToday } from '../lambdas/calendar/days.ts';
import { type RunDeps, runCollection } from '../lambdas/collect/run-collection.ts';
import { defaultWindowSettings } from '../lambdas/collect/window.ts';
import { E2Client } from '../lambdas/e2/client.ts';
import { E2UsageSource } from '../lambdas/e2/usage-source.ts';
import { parseCsv } from '../lambdas/reports/csv.ts';
import { reportKeys } from '../lambdas/reports/layout.ts';
import { createDocumentClient, createS3Client } from '../lambdas/store/aws-clients.ts';
import { dynamoLedgerStore } from '../lambdas/store/dynamo-ledger-store.ts';
import { S3ObjectStore } from '../lambdas/store/s3-object-store.ts';
import { activityCount } from '../local/simulator/dataset.ts';
import type { E2Simulator, FaultSettings } from '../local/simulator/server.ts';
import { type LocalStores, startLocalStores } from '../local/stores/local-stores.ts';
import { BENCH_TOKEN, runCollectCli, withSimulator } from './support.ts';

const opts = new Command()
  .option('--quick', 'small sizes (~20 s)')
  .option('--seed <n>', 'seed for the kill point', Number)
  .parse()
  .opts<{ quick?: boolean; seed?: number }>();
const quick = Boolean(opts.quick);
const USERS = quick ? 24 : 80;
const DAYS = quick ? 4 : 10;
// Real dates: the SIGKILL drill runs the CLI, whose clock is the real one.
const today = utcToday(new Date());
const to = minusDays(today, 1);
const from = minusDays(today, DAYS);
const days = daysBetween(from, to);
const NO_FAULTS: FaultSettings = { error500Rate: 0, rate429: 0, hangRate: 0, malformedRate: 0 };
let totalLost = 0;
let totalDuplicates = 0;

function open(stores: LocalStores, url: string) {
  const db = createDocumentClient(stores.connection);
  const s3 = createS3Client(stores.connection);
  // Short timeout and quick backoff so hangs and retries cost seconds, not minutes.
  const e2 = new E2Client(
    { apiUrl: url, token: BENCH_TOKEN },
    { timeoutMs: 400, maxConcurrency: 8, retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 } },
  );
  const deps: RunDeps = {
    source: new E2UsageSource(e2),
    ledger: dynamoLedgerStore(db, stores.table, {
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    }),
    objects: new S3ObjectStore(s3, stores.bucket),
    now: () => new Date(),
    concurrency: 8,
    settings: defaultWindowSettings,
  };
  return {
    deps,
    async close() {
      await e2.close();
      db.destroy();
      s3.destroy();
    },
  };
}

/** Stored user-days against what the API holds, and activity rows against the API's totals (duplicates show as extra rows). */
async function verify(sim: E2Simulator, stores: LocalStores, url: string) {
  const { deps, close } = open(stores, url);
  try {
    const signedUp = [...sim.model.users.values()].filter((u) => u.signedUp);
    let stored = 0;
    for (const u of signedUp) stored += (await deps.ledger.storedDays(u.email, from, to)).size;
    // Days before an account existed have nothing to collect, and are not stored.
    const expected = signedUp.reduce((n, u) => n + days.filter((d) => d >= u.createdDay).length, 0);
    let duplicates = 0;
    let rowsChecked = 0;
    for (const day of days) {
      const text = await deps.objects.getText(reportKeys.activity(day));
      if (text === null) continue;
      const rows = parseCsv(text).slice(1);
      const want = signedUp.reduce((n, u) => n + activityCount(sim.model.seed, u, day, sim.model.today), 0);
      duplicates +=
        Math.max(0, rows.length - want) + (rows.length - new Set(rows.map((r) => r.join('\u0001'))).size);
      rowsChecked += rows.length;
    }
    return { lost: expected - stored, expected, duplicates, rowsChecked };
  } finally {
    await close();
  }
}

function report(
  name: string,
  lines: string[],
  result: { lost: number; expected: number; duplicates: number; rowsChecked: number },
) {
  totalLost += result.lost;
  totalDuplicates += result.duplicates;
  process.stdout.write(
    `\n== ${name}\n${lines.map((l) => `   ${l}`).join('\n')}\n   checked ${result.expected} user-days, ${result.rowsChecked} activity rows; duplicates: ${result.duplicates}\n   lost user-days: ${result.lost}\n`,
  );
}

async function withStores<T>(fn: (stores: LocalStores, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'e2l-drill-'));
  const stores = await startLocalStores({ dataDir: dir });
  try {
    return await fn(stores, dir);
  } finally {
    await stores.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const describeRun = (
  label: string,
  s: { userDaysStored: number; userDaysFailed: number; status: string; apiRetries: number },
) =>
  `${label}: ${s.status}, ${s.userDaysStored} user-days stored, ${s.userDaysFailed} failed, ${s.apiRetries} API retries`;

// 1 and 2: injected faults, then a re-run with the same faults.
for (const error500Rate of [0.05, 0.2]) {
  const faults: FaultSettings = { error500Rate, rate429: 0.02, hangRate: 0.01, malformedRate: 0.01 };
  await withSimulator({ users: USERS, seed: 21, faults, retryAfterSeconds: 0 }, (sim, url) =>
    withStores(async (stores) => {
      const lines: string[] = [];
      for (const label of ['run', 're-run']) {
        const { deps, close } = open(stores, url);
        const r = await runCollection(deps, { kind: 'backfill', from, to });
        lines.push(describeRun(label, r.summary));
        await close();
      }
      lines.push(`faults answered: ${JSON.stringify(sim.stats.faults)}`);
      sim.faults = { ...NO_FAULTS };
      report(
        `${error500Rate * 100}% 500s, 2% 429s, 1% hangs, 1% malformed JSON`,
        lines,
        await verify(sim, stores, url),
      );
    }),
  );
}

// 3: the collector SIGKILLed at a random point, then run again.
await withSimulator({ users: USERS, seed: 22, latencyMs: 2 }, async (sim, url) => {
  const dir = mkdtempSync(join(tmpdir(), 'e2l-drill-kill-'));
  const seed = opts.seed ?? Date.now() % 1000;
  const killAfter = 20 + ((seed * 7919) % (USERS * DAYS));
  const cli = (killAfterRequests?: number) =>
    runCollectCli(sim, {
      url,
      token: BENCH_TOKEN,
      from,
      to,
      dataDir: dir,
      concurrency: 8,
      ...(killAfterRequests === undefined ? {} : { killAfterRequests }),
    });
  const lines = [
    `killed after ${killAfter} API requests (seed ${seed}): ${await cli(killAfter)}`,
    `run again: ${await cli()}`,
  ];
  const stores = await startLocalStores({ dataDir: dir });
  report('collector SIGKILLed mid-run, then run again', lines, await verify(sim, stores, url));
  await stores.stop();
  rmSync(dir, { recursive: true, force: true });
});

// 4 and 5: the local DynamoDB, then the local S3, restarted in the middle of a run.
for (const which of ['dynamodb', 's3'] as const) {
  await withSimulator({ users: USERS, seed: 23, latencyMs: 2 }, (sim, url) =>
    withStores(async (stores) => {
      const lines: string[] = [];
      const first = open(stores, url);
      const start = sim.stats.requests;
      let restarted: Promise<void> | undefined;
      const watcher = setInterval(() => {
        if (!restarted && sim.stats.requests - start >= (USERS * DAYS) / 3) {
          const at = sim.stats.requests - start;
          // Down long enough (3 s) for the SDK's own retries to run out, so failures are really recorded.
          restarted = stores
            .restart(which, 3_000)
            .then(() => void lines.push(`${which} stopped after ${at} API requests, back 3 s later`));
        }
      }, 2);
      try {
        const r = await runCollection(first.deps, { kind: 'backfill', from, to });
        lines.push(describeRun('run', r.summary));
      } catch (error) {
        lines.push(`run reported: ${(error as Error).name}: ${(error as Error).message}`);
      } finally {
        clearInterval(watcher);
        await restarted;
        await first.close();
      }
      const second = open(stores, url);
      const r = await runCollection(second.deps, { kind: 'backfill', from, to });
      lines.push(describeRun('next run', r.summary));
      await second.close();
      report(
        `local ${which === 'dynamodb' ? 'DynamoDB (dynalite)' : 'S3 (s3rver)'} restarted mid-run`,
        lines,
        await verify(sim, stores, url),
      );
    }),
  );
}

process.stdout.write(
  `\nall drills: lost user-days: ${totalLost}, duplicates: ${totalDuplicates} (${USERS} users x ${DAYS} days each)\n`,
);
process.exitCode = totalLost === 0 && totalDuplicates === 0 ? 0 : 1;
