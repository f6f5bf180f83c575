import { join } from 'node:path';
import type { AlertDeps } from '../../lambdas/alerts/nightly-alerts.ts';
import { alertSettingsFromEnv } from '../../lambdas/alerts/settings.ts';
import { E2Client } from '../../lambdas/e2/client.ts';
import { e2ConfigFromEnv } from '../../lambdas/e2/config.ts';
import type { TransportOptions } from '../../lambdas/e2/transport.ts';
import type { LedgerStore, ObjectStore } from '../../lambdas/ledger/ports.ts';
import { openAlertNotifier } from '../../lambdas/wiring/alert-notifier.ts';
import { openLedgerStores } from '../../lambdas/wiring/ledger-stores.ts';
import { lockDataDir } from '../../local/stores/data-dir-lock.ts';
import { startLocalStoresProcess } from '../../local/stores/store-process-client.ts';
import { UsageError } from './options.ts';

export const DEFAULT_DATA_DIR = '.e2-ledger';

export type Stores = {
  readonly ledger: LedgerStore;
  readonly objects: ObjectStore;
  /** The audit bucket when E2L_AUDIT_BUCKET is set (AWS); otherwise audit files share `objects`. */
  readonly auditObjects?: ObjectStore;
  /** Human description of where data lives. */
  readonly where: string;
  /** The local directory holding the report files (s3rver keeps objects as files), on the embedded default. */
  readonly localReportsDir: string | null;
  close(): Promise<void>;
};

/**
 * AWS when E2L_TABLE and E2L_BUCKET are set (credentials and region from the usual AWS variables);
 * otherwise the embedded default: dynalite and s3rver on 127.0.0.1 with data under `dataDir`.
 * Either way the same adapters run, built in one place (lambdas/wiring); only the endpoints differ.
 */
export async function openStores(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Stores> {
  const table = env.E2L_TABLE?.trim();
  const bucket = env.E2L_BUCKET?.trim();
  if (table && bucket) {
    const auditBucket = env.E2L_AUDIT_BUCKET?.trim() || undefined;
    const stores = openLedgerStores({}, { table, bucket, auditBucket });
    return {
      ledger: stores.ledger,
      objects: stores.objects,
      ...(stores.auditObjects ? { auditObjects: stores.auditObjects } : {}),
      where: `DynamoDB table ${table}, S3 bucket ${bucket}${auditBucket ? `, audit bucket ${auditBucket}` : ''}`,
      localReportsDir: null,
      async close() {
        stores.close();
      },
    };
  }
  if (table || bucket)
    throw new UsageError('set both E2L_TABLE and E2L_BUCKET to use AWS, or neither for the embedded default');
  return openLocalStores(dataDir);
}

/** The embedded default under `dataDir`, whatever the environment says (the demo's own stores). */
export async function openLocalStores(dataDir: string): Promise<Stores> {
  // One process per data directory: a second one is told who has it, and touches nothing.
  const lock = lockDataDir(dataDir, process.argv[2] ?? 'command');
  let local: Awaited<ReturnType<typeof startLocalStoresProcess>>;
  try {
    // dynalite and s3rver in their own process: the collection keeps this event loop to itself.
    local = await startLocalStoresProcess({ dataDir });
  } catch (error) {
    lock.release();
    throw error;
  }
  const stores = openLedgerStores(local.connection, { table: local.table, bucket: local.bucket });
  return {
    ledger: stores.ledger,
    objects: stores.objects,
    where: `embedded default under ${dataDir}/ (local DynamoDB and S3)`,
    localReportsDir: join(local.s3Directory, local.bucket),
    async close() {
      stores.close();
      try {
        await local.stop();
      } finally {
        lock.release();
      }
    },
  };
}

/**
 * What the nightly alerts need on the CLI: thresholds from E2L_ALERTS, transitions to the SNS topic in
 * E2L_ALERTS_TOPIC_ARN when set (against AWS), otherwise printed to stderr as they happen.
 */
export function alertDeps(
  stores: Stores,
  recollectDays: number,
  env: NodeJS.ProcessEnv = process.env,
): AlertDeps {
  return {
    ledger: stores.ledger,
    objects: stores.objects,
    notifier: openAlertNotifier({
      topicArn: env.E2L_ALERTS_TOPIC_ARN?.trim() || undefined,
      write: (line) => process.stderr.write(`${line}\n`),
    }),
    settings: alertSettingsFromEnv(env),
    recollectDays,
    now: () => new Date(),
  };
}

/** The IDrive client from E2_API_URL / E2_API_TOKEN. */
export function openE2(options: TransportOptions = {}): E2Client {
  return new E2Client(e2ConfigFromEnv(), options);
}

/** Human output on a terminal; plain when piped or under CI. */
export function isInteractive(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.CI;
}
