import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LedgerStore } from '../ledger/ports.ts';
import { dynamoAlerts } from './dynamo/alerts.ts';
import { dynamoAuditTrail } from './dynamo/audit-trail.ts';
import { dynamoDirectory } from './dynamo/directory.ts';
import { dynamoInvoiceRegistry } from './dynamo/invoice-registry.ts';
import { dynamoRuns } from './dynamo/runs.ts';
import { dynamoSnapshots } from './dynamo/snapshots.ts';
import { type BatchRetryOptions, DynamoTable } from './dynamo/table.ts';

export type { BatchRetryOptions };

/**
 * The ledger on DynamoDB (dynalite locally): every store port on the one table, with conditional
 * writes and batches rather than transactions (dynalite has none). Reads are decoded.
 */
export function dynamoLedgerStore(
  db: DynamoDBDocumentClient,
  table: string,
  options: BatchRetryOptions = {},
): LedgerStore {
  const t = new DynamoTable(db, table, options);
  return {
    ...dynamoSnapshots(t),
    ...dynamoDirectory(t),
    ...dynamoRuns(t),
    ...dynamoInvoiceRegistry(t),
    ...dynamoAuditTrail(t),
    ...dynamoAlerts(t),
  };
}
