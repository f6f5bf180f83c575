import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyRun } from '../../lambdas/collect/run-record.ts';
import type { InvoiceDocument } from '../../lambdas/ledger/invoice-documents.ts';
import type { UsageSnapshot } from '../../lambdas/ledger/model.ts';
import type { LedgerStore, ObjectStore } from '../../lambdas/ledger/ports.ts';
import { createDocumentClient, createS3Client } from '../../lambdas/store/aws-clients.ts';
import { dynamoLedgerStore } from '../../lambdas/store/dynamo-ledger-store.ts';
import { S3ObjectStore } from '../../lambdas/store/s3-object-store.ts';
import { ensureTable, startLocalStores } from '../../local/stores/local-stores.ts';
import { type Emulator, requireEmulators, startDynamoDbLocal, startMoto } from '../support/aws/emulators.ts';

// The store adapters against Amazon's DynamoDB Local and moto's S3 (with the audit bucket's Object
// Lock), and against dynalite and s3rver (the embedded default): the same assertions on each.

const run = requireEmulators('the stores on independent backends');
const closers: (() => Promise<void>)[] = [];
const ledgers: Record<string, LedgerStore> = {};
const objectStores: Record<string, ObjectStore> = {};
let motoS3: S3Client;
const LOCKED = 'e2l-audit-locked';

beforeAll(async () => {
  const local = await startLocalStores();
  closers.push(() => local.stop());
  const localDb = createDocumentClient(local.connection);
  ledgers.dynalite = dynamoLedgerStore(localDb, local.table);
  objectStores.s3rver = new S3ObjectStore(createS3Client(local.connection), local.bucket);
  if (!run) return;

  const ddb: Emulator = await startDynamoDbLocal();
  closers.push(() => ddb.stop());
  const moto: Emulator = await startMoto({ lambdaEndpoint: 'http://127.0.0.1:9' });
  closers.push(() => moto.stop());
  const credentials = { accessKeyId: 'tests', secretAccessKey: 'tests' };
  const dynamodbLocal = { region: 'us-east-1', dynamodbEndpoint: ddb.endpoint, credentials };
  await ensureTable(dynamodbLocal, 'e2l-ledger'); // the table as the laptop's stores create it
  ledgers['DynamoDB Local'] = dynamoLedgerStore(createDocumentClient(dynamodbLocal), 'e2l-ledger');
  motoS3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, credentials });
  // As the stateful stack defines the audit bucket: versioned, Object Lock, default retention.
  await motoS3.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
  await motoS3.send(
    new PutBucketVersioningCommand({ Bucket: LOCKED, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await motoS3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: LOCKED,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2555 } },
      },
    }),
  );
  objectStores['moto (Object Lock)'] = new S3ObjectStore(
    createS3Client({
      region: 'us-east-1',
      s3Endpoint: moto.endpoint,
      s3Credentials: credentials,
      s3PathStyle: true,
    }),
    LOCKED,
  );
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const snapshot = (email: string, day: string, disk: number): UsageSnapshot => ({
  email,
  day,
  diskUsedBytes: disk,
  uploadedBytes: 1,
  downloadedBytes: 2,
  storageQuotaGb: 0,
  isActive: true,
  isSignedUp: true,
  activityCount: 0,
  usageSource: 'api',
  runId: '20261101T000000Z-aaaaaa',
  collectedAt: '2026-11-02T00:00:00.000Z',
});

/** An invoice document as the registry stores it. */
const document = (email: string, position: number): InvoiceDocument => ({
  number: `INV-202610-${String(position).padStart(6, '0')}`,
  type: 'invoice',
  month: '2026-10',
  email,
  firstName: 'Zoë',
  lastName: null,
  issuedAt: '2026-11-05T00:00:00.000Z',
  issue: 1,
  references: null,
  reason: null,
  voids: false,
  currency: 'USD',
  periodStart: '2026-10-01',
  periodEnd: '2026-10-31',
  usage: {
    daysInPeriod: 31,
    daysCollected: 31,
    avgStorageBytes: '1203810841549886',
    peakStorageBytes: '1203810841549886',
    storageQuantity: '1203.810841549886',
    storageUnit: 'TB',
    storageBasis: 'average_daily',
    downloadedBytes: '0',
    uploadedBytes: '0',
    complete: true,
  },
  amounts: {
    storage: '5419.15',
    download: '0.00',
    upload: '0.00',
    discount: '0.00',
    minimumAdjustment: '0.00',
    subtotal: '5419.15',
    tax: '447.08',
    total: '5866.23',
  },
  rateCardSha256: 'a'.repeat(64),
  numbering: { scope: 'monthly', invoicePrefix: 'INV', creditNotePrefix: 'CN' },
  sequence: 'INV#202610',
  position,
});

describe('the ledger store', () => {
  const backends = () => Object.entries(ledgers);

  it('writes and reads snapshots by user and by day, every page, with exact byte counts', async () => {
    expect(backends().length).toBe(run ? 2 : 1);
    for (const [name, ledger] of backends()) {
      const users = Array.from({ length: 120 }, (_, i) => `u${String(i).padStart(3, '0')}@example.com`);
      await ledger.putSnapshots(users.map((u, i) => snapshot(u, '2026-10-01', 10 ** 15 + i)));
      await ledger.putSnapshots([snapshot('u000@example.com', '2026-10-02', 7)]);
      const day: UsageSnapshot[] = [];
      for await (const page of ledger.snapshotsForDay('2026-10-01')) day.push(...page);
      expect(
        day.map((s) => s.email),
        name,
      ).toEqual(users);
      expect(day[119]!.diskUsedBytes, name).toBe(10 ** 15 + 119);
      expect(
        [...(await ledger.storedDays('u000@example.com', '2026-10-01', '2026-10-31'))].sort(),
        name,
      ).toEqual(['2026-10-01', '2026-10-02']);
      const byUser = await ledger.storedDaysByUser('2026-10-01', '2026-10-02');
      expect(byUser.size, name).toBe(120);
      expect(
        (await ledger.snapshotsForUser('u000@example.com', '2026-10-02', '2026-10-02'))[0]?.diskUsedBytes,
      ).toBe(7);
    }
  });

  it('moves a cursor forward only, and claims a number or version once under a race', async () => {
    for (const [name, ledger] of backends()) {
      await ledger.putProfiles([
        {
          email: 'c@example.com',
          firstName: null,
          lastName: null,
          accountCreatedAt: null,
          createdDay: null,
          isSignedUp: true,
          isActive: true,
          firstSeenAt: 'x',
          lastSeenAt: 'x',
          removedAt: null,
        },
      ]);
      await ledger.advanceCursor('c@example.com', '2026-10-10');
      await ledger.advanceCursor('c@example.com', '2026-10-05');
      const [profile] = (await ledger.listProfiles()).filter((p) => p.email === 'c@example.com');
      expect(profile!.collectedThrough, name).toBe('2026-10-10');
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => ledger.claimDocument(document(`r${i}@example.com`, 1))),
      );
      expect(claims.filter(Boolean), name).toHaveLength(1);
      expect(await ledger.lastPosition('INV#202610'), name).toBe(1);
      expect(await ledger.claimDocument(document('next@example.com', 2)), name).toBe(true);
      const claimed = await ledger.claimedDocument('INV#202610', 2);
      expect(claimed, name).toEqual(document('next@example.com', 2));
    }
  });

  it('adds run counters atomically from parallel batches', async () => {
    for (const [name, ledger] of backends()) {
      const runId = `20261101T000000Z-${name === 'dynalite' ? 'bbbbbb' : 'cccccc'}`;
      await ledger.putRun(
        emptyRun(runId, 'nightly', new Date('2026-11-01T00:00:00Z'), {
          from: '2026-10-28',
          to: '2026-10-31',
        }),
      );
      await Promise.all(Array.from({ length: 20 }, () => ledger.addRunApiStats(runId, 3, 1)));
      expect(await ledger.getRun(runId), name).toMatchObject({ apiRequests: 60, apiRetries: 20 });
    }
  });
});

describe('the admin audit trail', () => {
  it("keeps each request's intent and outcome as separate items that a replay cannot change", async () => {
    for (const [name, ledger] of Object.entries(ledgers)) {
      const base = {
        at: '2026-11-03T10:00:00.000Z',
        requestId: `req-${name.length}`,
        principal: 'arn:aws:iam::123456789012:user/alice',
        action: 'users.disable',
        target: 'ann@example.com',
        request: {},
        status: null,
        code: null,
      };
      await ledger.putAudit({ ...base, outcome: 'pending' });
      await ledger.putAudit({ ...base, outcome: 'succeeded', status: 200 });
      await ledger.putAudit({ ...base, outcome: 'failed', status: 500 }); // a replay with other content
      const records = (await ledger.auditRecords('2026-11-03', '2026-11-03')).filter(
        (r) => r.requestId === base.requestId,
      );
      expect(
        records.map((r) => [r.outcome, r.status]),
        name,
      ).toEqual([['succeeded', 200]]);
    }
  });
});

describe('the object store', () => {
  it('stores text and 12 MiB streams (multipart) byte for byte, and lists them in key order', async () => {
    for (const [name, store] of Object.entries(objectStores)) {
      const text = `date,email\r\nZoë,"a, b"\r\n`;
      const put = await store.putText('audit/activity/2026/10/01/a.csv', text, 'text/csv');
      expect(put.sha256, name).toBe(createHash('sha256').update(text).digest('hex'));
      expect(await store.getText('audit/activity/2026/10/01/a.csv'), name).toBe(text);
      const big = Buffer.alloc(12 * 1024 * 1024, 'x,1\r\n');
      const streamed = await store.putStream(
        'audit/activity/2026/10/02/big.csv',
        Readable.from([big]),
        'text/csv',
      );
      expect(streamed.bytes, name).toBe(big.length);
      expect((await store.getText('audit/activity/2026/10/02/big.csv'))!.length, name).toBe(big.length);
      const keys: string[] = [];
      for await (const key of store.list('audit/activity/2026/10/')) keys.push(key);
      expect(keys, name).toEqual(['audit/activity/2026/10/01/a.csv', 'audit/activity/2026/10/02/big.csv']);
    }
  });

  it.runIf(run)(
    'creates a document once: a second create of the key is refused (S3 conditional write) and the first stands',
    async () => {
      const store = objectStores['moto (Object Lock)']!;
      const key = 'invoices/2026-10/documents/INV-202610-000001.pdf';
      const first = await store.createBytes(key, Buffer.from('%PDF first'), 'application/pdf');
      expect(first).toMatchObject({ key, bytes: 10 });
      expect(await store.createBytes(key, Buffer.from('%PDF second'), 'application/pdf')).toBeNull();
      expect(await store.getText(key)).toBe('%PDF first');
    },
  );

  it.runIf(run)(
    'writes into the Object Lock bucket under its default retention, which no delete gets past',
    async () => {
      const key = 'audit/activity/2026/10/01/a.csv';
      const head = await motoS3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: key }));
      expect(head.ObjectLockMode).toBe('GOVERNANCE');
      // Re-exporting a day writes a new version; the earlier one stays, locked.
      await objectStores['moto (Object Lock)']!.putText(key, 'rewritten\r\n', 'text/csv');
      const versions = await motoS3.send(new ListObjectVersionsCommand({ Bucket: LOCKED, Prefix: key }));
      expect(versions.Versions).toHaveLength(2);
      const oldest = versions.Versions!.find((v) => !v.IsLatest)!;
      await expect(
        motoS3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: key, VersionId: oldest.VersionId })),
      ).rejects.toThrow(/Access ?Denied/i);
    },
  );
});
