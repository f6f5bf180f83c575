import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { TABLE_KEYS } from '../lambdas/store/table.ts';
import { secureBucket } from './constructs/secure-bucket.ts';

export type StatefulStackProps = StackProps & {
  /** Reports move to Infrequent Access after this many days. */
  readonly reportsInfrequentAccessDays: number;
  /** Object Lock on the audit bucket: mode and default retention. */
  readonly auditLock: { readonly mode: 'GOVERNANCE' | 'COMPLIANCE'; readonly retentionDays: number };
  /** Subscribed to the alerts topic by email when given (more subscribers can be added to the topic). */
  readonly alertsEmail?: string | undefined;
};

/** Everything that holds money data or secrets: retained on stack deletion, encrypted, private. */
export class StatefulStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly reportsBucket: s3.Bucket;
  readonly auditBucket: s3.Bucket;
  /** Working files of runs (the users file the Distributed Map reads, its results); they expire. */
  readonly runsBucket: s3.Bucket;
  readonly apiTokenSecret: secretsmanager.Secret;
  /** Customer alerts (quota, disk drops, stale usage, missing days): its subscribers are state, so it lives here. */
  readonly alertsTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { partitionKey, sortKey, gsi1 } = TABLE_KEYS;

    this.table = new dynamodb.TableV2(this, 'Ledger', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [
        {
          indexName: gsi1.name,
          partitionKey: { name: gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: gsi1.sortKey, type: dynamodb.AttributeType.STRING },
        },
      ],
    });

    const accessLogs = secureBucket(this, 'AccessLogs', {
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    this.reportsBucket = secureBucket(this, 'Reports', {
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'reports/',
      lifecycleRules: [
        {
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(props.reportsInfrequentAccessDays),
            },
          ],
        },
        // Staging parts and run files are rewritten by every run; old versions have no value.
        { prefix: 'staging/', noncurrentVersionExpiration: Duration.days(7) },
        { abortIncompleteMultipartUploadAfter: Duration.days(2) },
      ],
    });

    this.runsBucket = secureBucket(this, 'Runs', {
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'runs/',
      lifecycleRules: [
        { expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(7) },
        { abortIncompleteMultipartUploadAfter: Duration.days(2) },
      ],
    });

    const retention = Duration.days(props.auditLock.retentionDays);
    this.auditBucket = secureBucket(this, 'Audit', {
      objectLockEnabled: true,
      objectLockDefaultRetention:
        props.auditLock.mode === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(retention)
          : s3.ObjectLockRetention.governance(retention),
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'audit/',
    });

    // The value is set by the operator (aws secretsmanager put-secret-value); the generated one is a placeholder.
    this.apiTokenSecret = new secretsmanager.Secret(this, 'IDriveApiToken', {
      description: 'IDrive e2 reseller API key used by e2-ledger (set with put-secret-value)',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.apiTokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The IDrive e2 API key is issued in the IDrive console; it is rotated there by the operator, not by a Lambda.',
    });

    // Alert messages name customers: encrypted with the AWS-managed SNS key (publishers need no key grant).
    this.alertsTopic = new sns.Topic(this, 'Alerts', {
      displayName: 'e2-ledger alerts',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
    });
    this.alertsTopic.applyRemovalPolicy(RemovalPolicy.RETAIN);
    if (props.alertsEmail)
      this.alertsTopic.addSubscription(new subscriptions.EmailSubscription(props.alertsEmail));

    new CfnOutput(this, 'AlertsTopicArn', {
      value: this.alertsTopic.topicArn,
      description:
        'Customer alerts as JSON (quota 80/95/100%, disk drops, stale usage, missing days): subscribe email or HTTPS endpoints',
    });
    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'The ledger table (snapshots, runs, invoice registry, admin audit records)',
    });
    new CfnOutput(this, 'ReportsBucketName', {
      value: this.reportsBucket.bucketName,
      description: 'Daily usage, invoices and the rate card (upload it to config/rate-card.json)',
    });
    new CfnOutput(this, 'AuditBucketName', {
      value: this.auditBucket.bucketName,
      description: `Activity and admin audit files, Object Lock ${props.auditLock.mode} for ${props.auditLock.retentionDays} days`,
    });
    new CfnOutput(this, 'ApiTokenSecretArn', {
      value: this.apiTokenSecret.secretArn,
      description:
        'Put the IDrive e2 reseller API key here: aws secretsmanager put-secret-value --secret-id <this>',
    });
  }
}
