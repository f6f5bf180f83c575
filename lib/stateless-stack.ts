import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from './config.ts';
import { AdminApi } from './constructs/admin-api.ts';
import { Alarms, LEDGER_METRICS } from './constructs/alarms.ts';
import type { LedgerData } from './constructs/ledger-data.ts';
import type { LedgerFunction } from './constructs/ledger-function.ts';
import { MonthFiles } from './constructs/month-files.ts';
import { MonthlyInvoicing } from './constructs/monthly-invoicing.ts';
import { NightlyPipeline } from './constructs/nightly-pipeline.ts';
import { Schedules } from './constructs/schedules.ts';

export type StatelessStackProps = StackProps &
  LedgerData & {
    readonly config: DeploymentConfig;
    readonly runsBucket: s3.IBucket;
  };

/** Functions, the nightly state machine, schedules, the admin API and alarms. Holds no data. */
export class StatelessStack extends Stack {
  readonly pipeline: NightlyPipeline;
  readonly monthly: MonthlyInvoicing;
  readonly monthFiles: MonthFiles;
  readonly admin: AdminApi;
  readonly alarms: Alarms;
  readonly functions: Record<string, LedgerFunction>;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    const data: LedgerData = props;

    // What every function reads at cold start; the IDrive token's ARN only where IDrive is called.
    const environment = {
      E2L_TABLE: data.table.tableName,
      E2L_BUCKET: data.reportsBucket.bucketName,
      E2L_AUDIT_BUCKET: data.auditBucket.bucketName,
      E2L_RUNS_BUCKET: props.runsBucket.bucketName,
      E2_API_URL: config.e2ApiUrl,
      E2L_RECOLLECT_DAYS: String(config.recollectDays),
      E2L_MAX_RUN_DAYS: String(config.maxRunDays),
      E2L_INVOICE_GRACE_DAYS: String(config.invoiceGraceDays),
      E2L_RATE_CARD_KEY: config.rateCardKey,
      E2L_COST_CARD_KEY: config.costCardKey,
      E2L_ISSUER_KEY: config.issuerKey,
      E2L_ALERTS: JSON.stringify(config.alerts),
      E2L_SCHEDULE: JSON.stringify({
        timezone: config.timezone,
        nightly: { hour: Number(config.nightlyCron.hour), minute: Number(config.nightlyCron.minute) },
        monthly: { day: config.invoiceGraceDays + 1, hour: Number(config.monthlyHour), minute: 0 },
      }),
      POWERTOOLS_METRICS_NAMESPACE: 'E2Ledger',
    };
    const withToken = { ...environment, E2_API_TOKEN_SECRET_ARN: data.apiTokenSecret.secretArn };

    // The schedules' dead-letter queue, also the monthly function's (it is invoked asynchronously).
    const dlq = new sqs.Queue(this, 'ScheduleDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the schedules.',
    });
    Validations.of(dlq).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'This queue is itself the dead-letter queue; nothing redrives it automatically.',
    });

    this.pipeline = new NightlyPipeline(this, 'Nightly', {
      config,
      data,
      runsBucket: props.runsBucket,
      environment: withToken,
    });
    this.monthFiles = new MonthFiles(this, 'MonthFiles', { config, data, environment, deadLetterQueue: dlq });
    this.monthly = new MonthlyInvoicing(this, 'Monthly', {
      config,
      data,
      environment: { ...environment, E2L_MONTH_FILES_FUNCTION: this.monthFiles.function.fn.functionName },
      deadLetterQueue: dlq,
    });
    this.monthFiles.function.fn.grantInvoke(this.monthly.function.fn);
    this.admin = new AdminApi(this, 'Admin', {
      config,
      data,
      environment: { ...withToken, E2L_STATE_MACHINE_ARN: this.pipeline.stateMachine.stateMachineArn },
    });
    this.pipeline.stateMachine.grantStartExecution(this.admin.function.fn);
    new Schedules(this, 'Schedules', {
      config,
      nightly: this.pipeline.stateMachine,
      monthly: this.monthly.function.fn,
      deadLetterQueue: dlq,
    });

    this.functions = {
      listUsers: this.pipeline.listUsers,
      collectBatch: this.pipeline.collectBatch,
      finalize: this.pipeline.finalize,
      monthly: this.monthly.function,
      monthFiles: this.monthFiles.function,
      admin: this.admin.function,
    };

    this.alarms = new Alarms(this, 'Alarms', { config });
    const machine = this.pipeline.stateMachine;
    this.alarms.add(
      'NightlyFailed',
      machine.metricFailed({ period: Duration.hours(1) }),
      'A nightly or backfill execution failed: user-days are missing or a step failed (e2-ledger runs / GET /runs/{id})',
    );
    this.alarms.add(
      'NightlyTimedOut',
      machine.metricTimedOut({ period: Duration.hours(1) }),
      'A nightly or backfill execution ran past its 8-hour timeout',
    );
    this.alarms.add(
      'UserDaysMissing',
      Alarms.ledgerMetric(LEDGER_METRICS.userDaysMissing),
      'A run left user-days missing: the next nights re-collect them; check the run if it repeats',
    );
    this.alarms.add(
      'UserDaysMissingPastWindow',
      Alarms.ledgerMetric(LEDGER_METRICS.userDaysMissingPastWindow),
      'User-days older than the re-collection window are still missing: backfill them before the month is invoiced',
    );
    this.alarms.add(
      'InvoicesRefused',
      Alarms.ledgerMetric(LEDGER_METRICS.invoicesRefused, Duration.hours(6)),
      'The monthly invoice run refused the month (nothing collected, missing user-days, or a bad rate card)',
    );
    this.alarms.add(
      'AlertsNotSent',
      Alarms.ledgerMetric(LEDGER_METRICS.alertEvaluationFailed),
      'Customer alerts could not be evaluated or sent after a run (they are retried after the next run)',
    );
    this.alarms.add(
      'MarginNotWritten',
      Alarms.ledgerMetric(LEDGER_METRICS.marginNotWritten, Duration.hours(6)),
      "The monthly run issued the invoices but could not write the margins (a bad cost card, or the month's data)",
    );
    this.alarms.add(
      'ScheduleDeadLetters',
      dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      'A schedule could not start its target (see the ScheduleDeadLetters queue)',
    );
    this.alarms.add(
      'AdminApi5xx',
      this.admin.api.metricServerError({ period: Duration.minutes(5) }),
      'The admin API answered 5xx',
    );
    for (const [name, f] of Object.entries(this.functions)) {
      this.alarms.add(
        `${name[0]!.toUpperCase()}${name.slice(1)}Errors`,
        f.fn.metricErrors({ period: Duration.minutes(5) }),
        `Errors in the ${name} function`,
      );
    }
  }
}
