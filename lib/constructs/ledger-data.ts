import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';

/** The stateful resources the functions use, passed from the stateful stack by typed props. */
export type LedgerData = {
  readonly table: dynamodb.ITableV2;
  readonly reportsBucket: s3.IBucket;
  readonly auditBucket: s3.IBucket;
  readonly apiTokenSecret: secretsmanager.ISecret;
  readonly alertsTopic: sns.ITopic;
};
