import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { E2Simulator } from '../../local/simulator/server.ts';

const CLI = join(import.meta.dirname, '../../bin/e2-ledger.js');

/** `e2-ledger <args>` as a child process; `done` resolves with the signal or `exit N`, and what it printed. */
export function spawnCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<{ end: string; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, CI: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ end: string; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ end: signal ?? `exit ${code}`, stdout, stderr })),
  );
  return { child, done };
}

/**
 * `e2-ledger collect` against the simulator, SIGKILLed once the simulator has answered
 * `killAfterRequests` more requests when given. Resolves with the signal or `exit N`.
 */
export async function runCollectCli(
  sim: E2Simulator,
  args: {
    url: string;
    token: string;
    from: string;
    to: string;
    dataDir: string;
    concurrency: number;
    killAfterRequests?: number;
  },
): Promise<string> {
  const { child, done } = spawnCli(
    [
      'collect',
      '--from',
      args.from,
      '--to',
      args.to,
      '--data-dir',
      args.dataDir,
      '--concurrency',
      String(args.concurrency),
      '--json',
    ],
    { E2_API_URL: args.url, E2_API_TOKEN: args.token },
  );
  const start = sim.stats.requests;
  const kill = args.killAfterRequests;
  const timer =
    kill === undefined
      ? undefined
      : setInterval(() => sim.stats.requests - start >= kill && child.kill('SIGKILL'), 2);
  const { end } = await done;
  clearInterval(timer);
  return end;
}
