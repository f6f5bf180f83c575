import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { TABLE_KEYS } from '../../lambdas/store/table.ts';

/** The DynamoDB actions the ledger adapter uses (no DeleteItem, no Scan, no transactions). */
export type TableAction = 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'BatchWriteItem';

/**
 * One grant on the single table: these actions, on items whose partition key matches one of these
 * patterns (`dynamodb:LeadingKeys`). `index: true` grants on the GSI, whose partition key (gsi1pk)
 * is what the condition then checks.
 */
export type TableGrant = {
  readonly actions: readonly TableAction[];
  readonly keys: readonly string[];
  readonly index?: boolean;
};

export function grantTable(fn: lambda.IFunction, table: dynamodb.ITableV2, grants: readonly TableGrant[]) {
  for (const g of grants) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: g.actions.map((a) => `dynamodb:${a}`),
        resources: [g.index ? `${table.tableArn}/index/${TABLE_KEYS.gsi1.name}` : table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...g.keys] } },
      }),
    );
  }
}

/** Object access by key prefix: read (GetObject), write (PutObject and aborting its uploads), list. */
export type ObjectGrant = {
  readonly bucket: s3.IBucket;
  readonly read?: readonly string[];
  readonly write?: readonly string[];
  readonly list?: readonly string[];
};

export function grantObjects(fn: lambda.IFunction, grants: readonly ObjectGrant[]) {
  for (const g of grants) {
    if (g.read?.length)
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: g.read.map((p) => g.bucket.arnForObjects(p)),
        }),
      );
    if (g.write?.length)
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: g.write.map((p) => g.bucket.arnForObjects(p)),
        }),
      );
    if (g.list?.length)
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [g.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [...g.list] } },
        }),
      );
  }
}
