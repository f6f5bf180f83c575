import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import type { StoreConnection } from '../../lambdas/store/aws-clients.ts';
import { TABLE_KEYS } from '../../lambdas/store/table.ts';

export type LocalStoresOptions = {
  /** Where DynamoDB and S3 data persist between runs; omit for in-memory (tests). */
  readonly dataDir?: string;
  readonly table?: string;
  readonly bucket?: string;
};

export type LocalStores = {
  readonly connection: StoreConnection;
  readonly table: string;
  readonly bucket: string;
  /** Where report files live on disk (s3rver keeps objects as plain files). */
  readonly s3Directory: string;
  stop(): Promise<void>;
  /** Stops one service and, after `downtimeMs`, starts it again on the same port with the same data. */
  restart(which: 'dynamodb' | 's3', downtimeMs?: number): Promise<void>;
};

const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * The embedded default's stores: dynalite (DynamoDB protocol on LevelDB) and s3rver (S3 protocol on
 * plain files), in-process on 127.0.0.1 with free ports; table and bucket created when missing.
 */
export async function startLocalStores(options: LocalStoresOptions = {}): Promise<LocalStores> {
  const table = options.table ?? 'e2-ledger';
  const bucket = options.bucket ?? 'e2-ledger-reports';
  const dynamoDir = options.dataDir ? join(options.dataDir, 'dynamodb') : undefined;
  const s3Directory = options.dataDir
    ? join(options.dataDir, 's3')
    : join(tmpdir(), `e2-ledger-s3-${process.pid}-${Date.now()}`);
  if (dynamoDir) mkdirSync(dynamoDir, { recursive: true });
  mkdirSync(s3Directory, { recursive: true });

  const startDynamo = async (port: number): Promise<Server> => {
    const server: Server = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(dynamoDir ? { path: dynamoDir } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return server;
  };
  const startS3 = async (port: number) => {
    const server = new S3rver({
      port,
      address: '127.0.0.1',
      directory: s3Directory,
      silent: true,
      resetOnClose: false,
    });
    const address = (await server.run()) as AddressInfo;
    return { server, port: address.port };
  };
  const closeS3 = async (server: S3rver) => {
    const closing = server.close();
    // Keep-alive connections would hold close() open until they idle out.
    (server as unknown as { httpServer?: Server }).httpServer?.closeAllConnections();
    await closing;
  };
  let dynamo = await startDynamo(0);
  let s3 = await startS3(0);
  const dynamoPort = (dynamo.address() as AddressInfo).port;
  const s3Port = s3.port;

  const connection: StoreConnection = {
    region: 'us-east-1',
    dynamodbEndpoint: `http://127.0.0.1:${dynamoPort}`,
    s3Endpoint: `http://127.0.0.1:${s3Port}`,
    credentials: LOCAL_CREDENTIALS,
    s3Credentials: LOCAL_CREDENTIALS,
    s3PathStyle: true,
  };
  await ensureTable(connection, table);
  await ensureBucket(connection, bucket);

  return {
    connection,
    table,
    bucket,
    s3Directory,
    async stop() {
      await closeS3(s3.server);
      const closing = new Promise<void>((resolve) => dynamo.close(() => resolve()));
      dynamo.closeAllConnections();
      await closing;
    },
    async restart(which, downtimeMs = 0) {
      const down = () => new Promise((resolve) => setTimeout(resolve, downtimeMs));
      // Same port and data, as a crashed-and-restarted local service would come back (fault drills).
      if (which === 'dynamodb') {
        const closing = new Promise<void>((resolve) => dynamo.close(() => resolve()));
        dynamo.closeAllConnections();
        await closing;
        await down();
        dynamo = await startDynamo(dynamoPort);
      } else {
        await closeS3(s3.server);
        await down();
        s3 = await startS3(s3Port);
      }
    },
  };
}

/** Creates the ledger table (keys and index as `TABLE_KEYS` define them) unless it exists. */
export async function ensureTable(
  connection: Pick<StoreConnection, 'region' | 'dynamodbEndpoint' | 'credentials'>,
  table: string,
) {
  const client = new DynamoDBClient({
    region: connection.region,
    endpoint: connection.dynamodbEndpoint,
    credentials: connection.credentials,
  });
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    const { partitionKey, sortKey, gsi1 } = TABLE_KEYS;
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [partitionKey, sortKey, gsi1.partitionKey, gsi1.sortKey].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: gsi1.name,
            KeySchema: [
              { AttributeName: gsi1.partitionKey, KeyType: 'HASH' },
              { AttributeName: gsi1.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } finally {
    client.destroy();
  }
}

async function ensureBucket(connection: StoreConnection, bucket: string) {
  const client = new S3Client({
    region: connection.region,
    endpoint: connection.s3Endpoint,
    credentials: connection.s3Credentials,
    forcePathStyle: true,
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    // Already there from an earlier run: that is the normal case.
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  } finally {
    client.destroy();
  }
}
