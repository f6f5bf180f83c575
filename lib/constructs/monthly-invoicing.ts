import { Duration } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KEY_PATTERNS } from '../../lambdas/store/table.ts';
import type { DeploymentConfig } from '../config.ts';
import { grantObjects, grantTable } from './data-access.ts';
import type { LedgerData } from './ledger-data.ts';
import { LedgerFunction } from './ledger-function.ts';

export type MonthlyInvoicingProps = {
  readonly config: DeploymentConfig;
  readonly data: LedgerData;
  readonly environment: Readonly<Record<string, string>>;
  /** The schedule invokes it asynchronously: failed events land here. */
  readonly deadLetterQueue: sqs.IQueue;
};

/** The monthly invoice run: the previous month's invoices from the snapshots and the rate card in S3. */
export class MonthlyInvoicing extends Construct {
  readonly function: LedgerFunction;

  constructor(scope: Construct, id: string, props: MonthlyInvoicingProps) {
    super(scope, id);
    const { config, data } = props;
    this.function = new LedgerFunction(this, 'Handler', {
      entry: 'monthly-invoices.ts',
      handler: 'handler',
      description: "Monthly: the previous month's invoices",
      timeout: Duration.minutes(15),
      memorySize: 2048,
      environment: props.environment,
      logRetentionDays: config.logRetentionDays,
      invocation: { kind: 'async', deadLetterQueue: props.deadLetterQueue },
    });
    const fn = this.function.fn;
    // The invoice registry: document claims (gapless sequences), the month's copies, issue and draft
    // records, leases; snapshots and the directory read through the index; audit records appended.
    grantTable(fn, data.table, [
      { actions: ['GetItem', 'Query', 'PutItem', 'BatchWriteItem'], keys: [KEY_PATTERNS.invoices] },
      { actions: ['GetItem', 'Query', 'PutItem'], keys: [KEY_PATTERNS.sequence] },
      { actions: ['GetItem', 'PutItem', 'UpdateItem'], keys: [KEY_PATTERNS.lease] },
      { actions: ['PutItem'], keys: [KEY_PATTERNS.audit] },
      {
        actions: ['Query'],
        keys: [KEY_PATTERNS.day, KEY_PATTERNS.directory, KEY_PATTERNS.invoiceIssues],
        index: true,
      },
    ]);
    grantObjects(fn, [
      {
        bucket: data.reportsBucket,
        read: [config.rateCardKey, config.costCardKey, 'invoices/*'],
        write: ['invoices/*'],
      },
    ]);
  }
}
