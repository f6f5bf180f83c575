// The embedded default's stores in a process of their own: dynalite and s3rver answer on 127.0.0.1
// while the collector's event loop does only the collector's work. Started by store-process-client.ts,
// spoken to over IPC; exits when its parent goes away.
import { type LocalStoresOptions, startLocalStores } from './local-stores.ts';

type Request = { type: 'restart'; which: 'dynamodb' | 's3'; downtimeMs: number } | { type: 'stop' };

const options = JSON.parse(process.argv[2] ?? '{}') as LocalStoresOptions;
const stores = await startLocalStores(options);
const send = (message: unknown) => process.send?.(message);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  // Whatever happens while closing, the process ends and the parent's wait with it.
  await stores.stop().catch((error: unknown) => {
    process.stderr.write(`e2-ledger local stores: ${(error as Error).message} while stopping\n`);
  });
  const usage = process.resourceUsage();
  send({
    type: 'stopped',
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssMb: usage.maxRSS / 1024,
  });
  process.disconnect?.();
};
process.on('message', async (request: Request) => {
  if (request.type === 'stop') await stop();
  else {
    await stores.restart(request.which, request.downtimeMs);
    send({ type: 'restarted', which: request.which });
  }
});
process.on('disconnect', () => void stop().finally(() => process.exit(0)));
send({
  type: 'ready',
  connection: stores.connection,
  table: stores.table,
  bucket: stores.bucket,
  s3Directory: stores.s3Directory,
});
