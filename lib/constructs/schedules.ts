import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../config.ts';

export type SchedulesProps = {
  readonly config: DeploymentConfig;
  readonly nightly: sfn.IStateMachine;
  readonly monthly: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
};

/** The nightly collection and the monthly invoices, each with retries and a dead-letter queue. */
export class Schedules extends Construct {
  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const { config } = props;
    const timeZone = TimeZone.of(config.timezone);
    new scheduler.Schedule(this, 'Nightly', {
      description: 'e2-ledger nightly collection',
      schedule: scheduler.ScheduleExpression.cron({
        minute: config.nightlyCron.minute,
        hour: config.nightlyCron.hour,
        timeZone,
      }),
      target: new targets.StepFunctionsStartExecution(props.nightly, {
        input: scheduler.ScheduleTargetInput.fromObject({ request: { kind: 'nightly' } }),
        retryAttempts: 5,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: props.deadLetterQueue,
      }),
    });
    // After the grace period, so the nightly re-collection has settled the month's last days.
    new scheduler.Schedule(this, 'Monthly', {
      description: 'e2-ledger invoices for the previous month',
      schedule: scheduler.ScheduleExpression.cron({
        minute: '0',
        hour: config.monthlyHour,
        day: String(config.invoiceGraceDays + 1),
        timeZone,
      }),
      target: new targets.LambdaInvoke(props.monthly, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        retryAttempts: 3,
        maxEventAge: Duration.hours(12),
        deadLetterQueue: props.deadLetterQueue,
      }),
    });
  }
}
