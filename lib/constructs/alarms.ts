import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../config.ts';

/** Custom metrics the functions publish (namespace E2Ledger, dimension service=e2-ledger). */
export const LEDGER_METRICS = {
  userDaysMissing: 'UserDaysMissing',
  userDaysMissingPastWindow: 'UserDaysMissingPastWindow',
  invoicesRefused: 'InvoicesRefused',
  alertEvaluationFailed: 'AlertEvaluationFailed',
  marginNotWritten: 'MarginNotWritten',
} as const;

export const METRICS_NAMESPACE = 'E2Ledger';

/** One topic for every alarm, wired to an email address and/or an existing topic from the config. */
export class Alarms extends Construct {
  readonly topic: sns.ITopic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly #actions: cloudwatch.IAlarmAction[] = [];

  constructor(scope: Construct, id: string, props: { readonly config: DeploymentConfig }) {
    super(scope, id);
    const { config } = props;
    const topic = new sns.Topic(this, 'Topic', { enforceSSL: true, displayName: 'e2-ledger alarms' });
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry no customer data, and CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.',
    });
    if (config.alarmEmail && config.alarmEmail !== 'none') {
      const subscription = new subscriptions.EmailSubscription(config.alarmEmail);
      topic.addSubscription(subscription);
      Validations.of(this).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'An email subscription to the alarm topic: an undeliverable alarm email has nowhere better to go, and the alarm state stays visible in CloudWatch.',
      });
    }
    this.topic = topic;
    this.#actions.push(new cwActions.SnsAction(topic));
    if (config.alarmTopicArn)
      this.#actions.push(
        new cwActions.SnsAction(sns.Topic.fromTopicArn(this, 'External', config.alarmTopicArn)),
      );
    new CfnOutput(this, 'TopicArn', {
      value: topic.topicArn,
      description: 'Alarms are published here (subscribe more endpoints to it)',
    }).overrideLogicalId('AlarmTopicArn');
  }

  /** An alarm when the metric reaches `threshold` (1 by default) in one period. */
  add(name: string, metric: cloudwatch.IMetric, description: string, threshold = 1): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, name, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    for (const action of this.#actions) alarm.addAlarmAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** A custom metric of the functions, summed over `period`. */
  static ledgerMetric(metricName: string, period: Duration = Duration.hours(1)): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: 'e2-ledger' },
      statistic: 'Sum',
      period,
    });
  }
}
