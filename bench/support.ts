import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2Simulator, type SimulatorOptions } from '../local/simulator/server.ts';

export const BENCH_TOKEN = 'bench-token-0123456789';

export type WorkerResult = {
  elapsedMs: number;
  phases: { startMs: number; collectMs: number; exportMs: number };
  maxRssMb: number;
  peakHeapMb: number;
  requests: number;
  /** The collector's own CPU (this process) and the store process's, apart. */
  cpu: {
    collectorMsPerUserDay: number;
    collectorMs: number;
    storesMs: number | null;
    storesMaxRssMb: number | null;
  };
  items: { snapshotItems: number; snapshotBytes: number; partPuts: number };
  summary: {
    userDaysStored: number;
    userDaysFailed: number;
    activityRows: number;
    users: number;
    status: string;
  };
};

/** Runs bench/collect-worker.ts in a child process against `url`; its data dir is removed after. */
export async function runWorker(
  url: string,
  args: { from: string; to: string; concurrency: number; now: string; heapMb?: number },
): Promise<WorkerResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'e2l-bench-'));
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          ...(args.heapMb ? [`--max-old-space-size=${args.heapMb}`] : []),
          '--import',
          'tsx',
          join(import.meta.dirname, 'collect-worker.ts'),
          '--url',
          url,
          '--token',
          BENCH_TOKEN,
          '--from',
          args.from,
          '--to',
          args.to,
          '--concurrency',
          String(args.concurrency),
          '--data-dir',
          dataDir,
          '--now',
          args.now,
        ],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        },
      );
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`collect worker exited ${code}`)),
      );
    });
    return JSON.parse(output.trim().split('\n').at(-1)!) as WorkerResult;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function withSimulator<T>(
  options: SimulatorOptions,
  fn: (sim: E2Simulator, url: string) => Promise<T>,
): Promise<T> {
  const sim = new E2Simulator({ token: BENCH_TOKEN, ...options });
  const url = await sim.start(0);
  try {
    return await fn(sim, url);
  } finally {
    await sim.stop();
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export { runCollectCli } from '../test/support/cli.ts';
