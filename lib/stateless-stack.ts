import { Duration, Stack, type StackProps, TimeZone, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from './config.ts';
import { LedgerFunction } from './lambda-function.ts';

export type StatelessStackProps = StackProps & {
  readonly config: DeploymentConfig;
  readonly table: dynamodb.ITableV2;
  readonly reportsBucket: s3.IBucket;
  readonly auditBucket: s3.IBucket;
  readonly apiTokenSecret: secretsmanager.ISecret;
};

/** Users each collect-batch Lambda works on at once; the Map's concurrency is the budget divided by this. */
const USERS_IN_FLIGHT_PER_BATCH = 4;

/** Functions, the nightly state machine, schedules, the admin API and alarms. Holds no data. */
export class StatelessStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly api: apigw.HttpApi;
  readonly alarmTopic: sns.Topic;
  readonly functions: Record<string, LedgerFunction>;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, table, reportsBucket, auditBucket, apiTokenSecret } = props;

    const environment = {
      E2L_TABLE: table.tableName,
      E2L_BUCKET: reportsBucket.bucketName,
      E2L_AUDIT_BUCKET: auditBucket.bucketName,
      E2_API_URL: config.e2ApiUrl,
      E2L_CONCURRENCY: String(USERS_IN_FLIGHT_PER_BATCH),
      E2L_RECOLLECT_DAYS: String(config.recollectDays),
      E2L_RATE_CARD_KEY: config.rateCardKey,
      POWERTOOLS_METRICS_NAMESPACE: 'E2Ledger',
    };
    const withToken = { ...environment, E2_API_TOKEN_SECRET_ARN: apiTokenSecret.secretArn };
    // Schedules' dead-letter queue, also the monthly function's (it is invoked asynchronously).
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
    const fn = (
      name: string,
      entry: string,
      handler: string,
      description: string,
      timeout: Duration,
      memorySize: number,
      env: Record<string, string>,
      async = false,
    ) => {
      const f = new LedgerFunction(this, name, {
        entry,
        handler,
        description,
        timeout,
        memorySize,
        environment: env,
        logRetentionDays: config.logRetentionDays,
        ...(async ? { deadLetterQueue: dlq } : {}),
      });
      if (!async) {
        Validations.of(f.fn).acknowledge({
          id: 'Serverless-LambdaDLQ',
          reason:
            'Invoked synchronously (Step Functions or API Gateway); the caller sees and retries failures.',
        });
      }
      return f;
    };

    const listUsers = fn(
      'ListUsers',
      'nightly.ts',
      'listUsers',
      'Nightly: open the run and write the users file',
      Duration.minutes(5),
      512,
      withToken,
    );
    const collectBatch = fn(
      'CollectBatch',
      'nightly.ts',
      'collectBatch',
      'Nightly: collect a batch of users',
      Duration.minutes(15),
      1024,
      withToken,
    );
    const finalize = fn(
      'Finalize',
      'nightly.ts',
      'finalize',
      'Nightly: daily exports and run summary',
      Duration.minutes(15),
      1024,
      environment,
    );
    const monthly = fn(
      'MonthlyInvoices',
      'monthly-invoices.ts',
      'handler',
      "Monthly: the previous month's invoices",
      Duration.minutes(15),
      2048,
      environment,
      true,
    );
    const admin = fn(
      'AdminApi',
      'admin-api.ts',
      'handler',
      'Admin HTTP API',
      Duration.seconds(29),
      512,
      withToken,
    );
    this.functions = { listUsers, collectBatch, finalize, monthly, admin };

    // Least privilege: each function gets exactly the data access it uses.
    for (const f of [listUsers, collectBatch, admin]) apiTokenSecret.grantRead(f.fn);
    for (const f of [listUsers, collectBatch, finalize, monthly, admin]) table.grantReadWriteData(f.fn);
    reportsBucket.grantPut(listUsers.fn, 'runs/*');
    reportsBucket.grantPut(collectBatch.fn, 'staging/*');
    reportsBucket.grantRead(finalize.fn, 'staging/*');
    reportsBucket.grantPut(finalize.fn, 'usage/*');
    auditBucket.grantPut(finalize.fn, 'audit/*');
    reportsBucket.grantRead(monthly.fn, `${config.rateCardKey}`);
    reportsBucket.grantPut(monthly.fn, 'invoices/*');
    reportsBucket.grantRead(admin.fn);
    auditBucket.grantRead(admin.fn);

    // Nightly state machine.
    const lambdaRetry = {
      errors: [
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.TooManyRequestsException',
        'States.Timeout',
      ],
    };
    const listTask = new tasks.LambdaInvoke(this, 'List users', {
      lambdaFunction: listUsers.fn,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromJsonPathAt('$'),
    });
    listTask.addRetry({
      ...lambdaRetry,
      interval: Duration.seconds(10),
      backoffRate: 2,
      maxAttempts: 3,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const collectTask = new tasks.LambdaInvoke(this, 'Collect batch', {
      lambdaFunction: collectBatch.fn,
      payloadResponseOnly: true,
    });
    collectTask.addRetry({
      errors: ['States.ALL'],
      interval: Duration.seconds(15),
      backoffRate: 2,
      maxAttempts: 3,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const map = new sfn.DistributedMap(this, 'Collect every user', {
      itemReader: new sfn.S3JsonItemReader({
        bucket: reportsBucket,
        key: sfn.JsonPath.stringAt('$.usersKey'),
      }),
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: config.batchSize,
        batchInput: { runId: sfn.JsonPath.stringAt('$.runId'), request: sfn.JsonPath.objectAt('$.request') },
      }),
      maxConcurrency: Math.max(1, Math.floor(config.maxConcurrency / USERS_IN_FLIGHT_PER_BATCH)),
      toleratedFailurePercentage: config.toleratedFailurePercentage,
      resultWriterV2: new sfn.ResultWriterV2({ bucket: reportsBucket, prefix: 'runs/map-results' }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    map.itemProcessor(collectTask);
    const finalizeTask = new tasks.LambdaInvoke(this, 'Finalize run', {
      lambdaFunction: finalize.fn,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$.runId') }),
      resultPath: '$.result',
    });
    finalizeTask.addRetry({
      ...lambdaRetry,
      interval: Duration.seconds(10),
      backoffRate: 2,
      maxAttempts: 3,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // A map that exceeded its tolerated failures still finalizes: exports show what is missing.
    map.addCatch(finalizeTask, { resultPath: '$.mapError' });
    const done = new sfn.Choice(this, 'All user-days stored?')
      .when(sfn.Condition.stringEquals('$.result.status', 'succeeded'), new sfn.Succeed(this, 'Complete'))
      .otherwise(
        new sfn.Fail(this, 'User-days missing', {
          error: 'UserDaysMissing',
          cause:
            'Some user-days could not be collected; see the run record (e2-ledger runs / GET /runs/{id})',
        }),
      );
    const definition = listTask.next(map).next(finalizeTask).next(done);
    const machineLogs = new logs.LogGroup(this, 'NightlyLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Nightly', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(8),
      tracingEnabled: true,
      logs: { destination: machineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    reportsBucket.grantRead(this.stateMachine, 'runs/*');
    reportsBucket.grantReadWrite(this.stateMachine, 'runs/map-results/*');

    // Schedules, each with retries and a dead-letter queue.
    const timeZone = TimeZone.of(config.timezone);
    new scheduler.Schedule(this, 'NightlySchedule', {
      description: 'e2-ledger nightly collection',
      schedule: scheduler.ScheduleExpression.cron({
        minute: config.nightlyCron.minute,
        hour: config.nightlyCron.hour,
        timeZone,
      }),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ request: { kind: 'nightly' } }),
        retryAttempts: 5,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: dlq,
      }),
    });
    new scheduler.Schedule(this, 'MonthlySchedule', {
      description: 'e2-ledger invoices for the previous month',
      schedule: scheduler.ScheduleExpression.cron({
        minute: '0',
        hour: config.monthlyHour,
        day: '1',
        timeZone,
      }),
      target: new targets.LambdaInvoke(monthly.fn, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        retryAttempts: 3,
        maxEventAge: Duration.hours(12),
        deadLetterQueue: dlq,
      }),
    });

    // Admin API: IAM (SigV4) on every route, access logs, throttling.
    const accessLogs = new logs.LogGroup(this, 'AdminApiAccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
    });
    this.api = new apigw.HttpApi(this, 'AdminHttpApi', {
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    this.api.addRoutes({
      path: '/{proxy+}',
      methods: [apigw.HttpMethod.ANY],
      integration: new HttpLambdaIntegration('Admin', admin.fn),
    });
    new apigw.HttpStage(this, 'AdminHttpApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            principal: '$context.identity.userArn',
            sourceIp: '$context.identity.sourceIp',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.stateMachine.grantStartExecution(admin.fn);

    // Alarms to one topic.
    this.alarmTopic = new sns.Topic(this, 'Alarms', { enforceSSL: true, displayName: 'e2-ledger alarms' });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry no customer data, and CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.',
    });
    if (config.alarmEmail)
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const alarm = (name: string, metric: cloudwatch.IMetric, description: string) => {
      const a = new cloudwatch.Alarm(this, name, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
      return a;
    };
    alarm(
      'NightlyFailedAlarm',
      this.stateMachine.metricFailed({ period: Duration.hours(1) }),
      'A nightly or backfill execution failed',
    );
    alarm(
      'ScheduleDeadLettersAlarm',
      dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      'A schedule could not start its target',
    );
    alarm(
      'UserDaysMissingAlarm',
      new cloudwatch.Metric({
        namespace: 'E2Ledger',
        metricName: 'UserDaysMissing',
        dimensionsMap: { service: 'e2-ledger' },
        statistic: 'Sum',
        period: Duration.hours(1),
      }),
      'A run left user-days missing: re-run or backfill them before invoicing',
    );
    for (const [name, f] of Object.entries(this.functions)) {
      alarm(
        `${name}ErrorsAlarm`,
        f.fn.metricErrors({ period: Duration.minutes(5) }),
        `Errors in the ${name} function`,
      );
    }
  }
}
