import type { LedgerStore, ObjectStore } from '../ledger/ports.ts';
import { createDocumentClient, createS3Client, type StoreConnection } from '../store/aws-clients.ts';
import { dynamoLedgerStore } from '../store/dynamo-ledger-store.ts';
import { S3ObjectStore } from '../store/s3-object-store.ts';

/** The table and buckets a deployment (or the embedded default) keeps its data in. */
export type StoreNames = {
  readonly table: string;
  readonly bucket: string;
  /** The Object Lock bucket for audit files; audit files share `bucket` when absent (a laptop). */
  readonly auditBucket?: string | undefined;
  /** Run working files (the nightly's users file); only the nightly functions have one. */
  readonly runsBucket?: string | undefined;
};

export type LedgerStores = {
  readonly ledger: LedgerStore;
  readonly objects: ObjectStore;
  readonly auditObjects: ObjectStore | undefined;
  readonly runsObjects: ObjectStore | undefined;
  close(): void;
};

/**
 * The one place stores are built, for the Lambda functions, the CLI against AWS and the embedded
 * default alike: the same adapters on a connection (AWS defaults, or local endpoints).
 */
export function openLedgerStores(connection: StoreConnection, names: StoreNames): LedgerStores {
  const db = createDocumentClient(connection);
  const s3 = createS3Client(connection);
  return {
    ledger: dynamoLedgerStore(db, names.table),
    objects: new S3ObjectStore(s3, names.bucket),
    auditObjects: names.auditBucket ? new S3ObjectStore(s3, names.auditBucket) : undefined,
    runsObjects: names.runsBucket ? new S3ObjectStore(s3, names.runsBucket) : undefined,
    close() {
      db.destroy();
      s3.destroy();
    },
  };
}
