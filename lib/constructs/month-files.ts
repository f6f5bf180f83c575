import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KEY_PATTERNS } from '../../lambdas/store/table.ts';
import { DOCUMENT_FONT_FILES } from '../../lambdas/wiring/document-fonts.ts';
import type { DeploymentConfig } from '../config.ts';
import { grantObjects, grantTable } from './data-access.ts';
import type { LedgerData } from './ledger-data.ts';
import { LedgerFunction } from './ledger-function.ts';

export type MonthFilesProps = {
  readonly config: DeploymentConfig;
  readonly data: LedgerData;
  readonly environment: Readonly<Record<string, string>>;
  /** Invoked asynchronously by the monthly run: failed events land here. */
  readonly deadLetterQueue: sqs.IQueue;
};

/** The month's files for people: HTML report, a PDF per document, the workbook, the FOCUS export. */
export class MonthFiles extends Construct {
  readonly function: LedgerFunction;

  constructor(scope: Construct, id: string, props: MonthFilesProps) {
    super(scope, id);
    const { config, data } = props;
    this.function = new LedgerFunction(this, 'Handler', {
      entry: 'month-files.ts',
      handler: 'handler',
      description: "Monthly: the month's report, invoice PDFs, workbook and FOCUS export",
      timeout: Duration.minutes(15),
      memorySize: 2048,
      environment: { ...props.environment, E2L_PDFS_PER_INVOCATION: String(config.pdfsPerInvocation) },
      logRetentionDays: config.logRetentionDays,
      invocation: { kind: 'async', deadLetterQueue: props.deadLetterQueue },
      extraFiles: DOCUMENT_FONT_FILES,
    });
    const fn = this.function.fn;
    // A month with more PDFs than one invocation renders continues in a new invocation of itself.
    // A policy of its own: in the role's default policy the function's ARN would be a dependency
    // cycle (the function waits for that policy).
    new iam.Policy(this, 'ContinueItself', {
      roles: [fn.role!],
      statements: [
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
      ],
    });
    // Reads only: the month's documents, snapshots and directory through the index.
    grantTable(fn, data.table, [
      { actions: ['Query'], keys: [KEY_PATTERNS.invoices] },
      { actions: ['Query'], keys: [KEY_PATTERNS.day, KEY_PATTERNS.directory], index: true },
    ]);
    grantObjects(fn, [
      {
        bucket: data.reportsBucket,
        read: ['config/*', 'invoices/*'],
        write: ['invoices/*', 'reports/*', 'exports/*'],
      },
    ]);
  }
}
