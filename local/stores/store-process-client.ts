import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { StoreConnection } from '../../lambdas/store/aws-clients.ts';
import type { LocalStores, LocalStoresOptions } from './local-stores.ts';

export type ProcessStores = LocalStores & {
  /** CPU time and peak RSS of the store process, known once it stopped. */
  readonly usage: () => { cpuMs: number; maxRssMb: number } | null;
};

type Ready = {
  type: 'ready';
  connection: StoreConnection;
  table: string;
  bucket: string;
  s3Directory: string;
};

/**
 * dynalite and s3rver in a child process (store-process.ts): the same protocols on 127.0.0.1, but off
 * the caller's event loop, so a collection and the stores use both cores. Same interface as
 * startLocalStores; the child exits with its parent.
 */
export async function startLocalStoresProcess(options: LocalStoresOptions = {}): Promise<ProcessStores> {
  const child = fork(join(import.meta.dirname, 'store-process.ts'), [JSON.stringify(options)], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`the local store process exited (${code}) while starting`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (m: Ready) => {
      child.off('exit', onExit);
      resolve(m);
    });
  });
  let usage: { cpuMs: number; maxRssMb: number } | null = null;
  const next = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', on);
        resolve(m as T);
      };
      child.on('message', on);
    });
  return {
    connection: ready.connection,
    table: ready.table,
    bucket: ready.bucket,
    s3Directory: ready.s3Directory,
    usage: () => usage,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (!child.connected) return exited;
      // The usage report comes before the exit; an exit without it (a crash while stopping) still ends the wait.
      const stopped = next<{ cpuMs: number; maxRssMb: number }>('stopped').then((u) => {
        usage = u;
      });
      child.send({ type: 'stop' });
      await Promise.race([stopped.then(() => exited), exited]);
    },
    async restart(which, downtimeMs = 0) {
      const restarted = next('restarted');
      child.send({ type: 'restart', which, downtimeMs });
      await restarted;
    },
  };
}
