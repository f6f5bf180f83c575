import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { KEY_PATTERNS } from '../../lambdas/store/table.ts';
import type { DeploymentConfig } from '../config.ts';
import { grantObjects, grantTable } from './data-access.ts';
import type { LedgerData } from './ledger-data.ts';
import { LedgerFunction } from './ledger-function.ts';

/** IDrive requests each collect-batch Lambda has in flight (its users' days side by side); the Map's concurrency is the budget divided by this. */
export const REQUESTS_IN_FLIGHT_PER_BATCH = 4;

export type NightlyPipelineProps = {
  readonly config: DeploymentConfig;
  readonly data: LedgerData;
  /** Working files of runs (users file, map results): the only bucket the state machine touches. */
  readonly runsBucket: s3.IBucket;
  readonly environment: Readonly<Record<string, string>>;
};

/**
 * The nightly run: List users -> Distributed Map of Collect batch over the users file (bounded
 * concurrency, retries with jitter, tolerated failures) -> Finalize (exports, run summary) -> a Fail
 * state when user-days are missing, so the execution's status is the run's.
 */
export class NightlyPipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly listUsers: LedgerFunction;
  readonly collectBatch: LedgerFunction;
  readonly finalize: LedgerFunction;

  constructor(scope: Construct, id: string, props: NightlyPipelineProps) {
    super(scope, id);
    const { config, data, runsBucket } = props;
    const env = { ...props.environment, E2L_CONCURRENCY: String(REQUESTS_IN_FLIGHT_PER_BATCH) };
    const step = (
      name: string,
      handler: string,
      description: string,
      timeout: Duration,
      memorySize: number,
    ) =>
      new LedgerFunction(this, name, {
        entry: 'nightly.ts',
        handler,
        description,
        timeout,
        memorySize,
        environment: env,
        logRetentionDays: config.logRetentionDays,
        invocation: { kind: 'sync' },
      });
    this.listUsers = step(
      'ListUsers',
      'listUsers',
      'Nightly: open the run and write the users file',
      Duration.minutes(5),
      512,
    );
    this.collectBatch = step(
      'CollectBatch',
      'collectBatch',
      'Nightly: collect a batch of users',
      Duration.minutes(15),
      1024,
    );
    this.finalize = step(
      'Finalize',
      'finalize',
      'Nightly: daily exports and run summary',
      Duration.minutes(15),
      1024,
    );

    // Only finalize sends alerts.
    this.finalize.fn.addEnvironment('E2L_ALERTS_TOPIC_ARN', data.alertsTopic.topicArn);
    data.alertsTopic.grantPublish(this.finalize.fn);

    // Each step gets exactly the items and objects it touches.
    data.apiTokenSecret.grantRead(this.listUsers.fn);
    data.apiTokenSecret.grantRead(this.collectBatch.fn);
    grantTable(this.listUsers.fn, data.table, [
      { actions: ['GetItem', 'PutItem', 'UpdateItem'], keys: [KEY_PATTERNS.run] },
      { actions: ['UpdateItem'], keys: [KEY_PATTERNS.user] },
      { actions: ['Query'], keys: [KEY_PATTERNS.directory], index: true },
    ]);
    grantObjects(this.listUsers.fn, [{ bucket: runsBucket, write: ['runs/*'] }]);
    grantTable(this.collectBatch.fn, data.table, [
      { actions: ['Query', 'BatchWriteItem', 'UpdateItem'], keys: [KEY_PATTERNS.user] },
      { actions: ['BatchWriteItem', 'UpdateItem'], keys: [KEY_PATTERNS.run] },
    ]);
    grantObjects(this.collectBatch.fn, [{ bucket: data.reportsBucket, write: ['staging/*'] }]);
    grantTable(this.finalize.fn, data.table, [
      { actions: ['GetItem', 'Query', 'PutItem', 'BatchWriteItem'], keys: [KEY_PATTERNS.run] },
      // Alert states (conditional on their version), the evaluated-through marker, the transition log.
      { actions: ['GetItem', 'Query', 'PutItem'], keys: [KEY_PATTERNS.alerts, KEY_PATTERNS.alertLog] },
      { actions: ['Query'], keys: [KEY_PATTERNS.user, KEY_PATTERNS.audit] },
      { actions: ['Query'], keys: [KEY_PATTERNS.directory, KEY_PATTERNS.day], index: true },
    ]);
    grantObjects(this.finalize.fn, [
      { bucket: runsBucket, read: ['runs/*'] },
      { bucket: data.reportsBucket, read: ['staging/*'], write: ['usage/*', 'alerts/*'] },
      { bucket: data.auditBucket, write: ['audit/*'] },
    ]);

    const lambdaErrors = [
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
      'States.Timeout',
    ];
    const retry = {
      interval: Duration.seconds(10),
      backoffRate: 2,
      maxAttempts: 3,
      jitterStrategy: sfn.JitterType.FULL,
    };

    // The event is the execution input plus its ARN: the run record names the execution that ran it.
    const listTask = new tasks.LambdaInvoke(this, 'List users', {
      lambdaFunction: this.listUsers.fn,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({
        input: sfn.JsonPath.objectAt('$'),
        executionArn: sfn.JsonPath.stringAt('$$.Execution.Id'),
      }),
    });
    listTask.addRetry({ ...retry, errors: lambdaErrors });

    const collectTask = new tasks.LambdaInvoke(this, 'Collect batch', {
      lambdaFunction: this.collectBatch.fn,
      payloadResponseOnly: true,
    });
    collectTask.addRetry({ ...retry, errors: ['States.ALL'], interval: Duration.seconds(15) });
    const map = new sfn.DistributedMap(this, 'Collect every user', {
      itemReader: new sfn.S3JsonItemReader({ bucket: runsBucket, key: sfn.JsonPath.stringAt('$.usersKey') }),
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: config.batchSize,
        // ItemBatcher copies BatchInput verbatim: render it so the paths become `.$` keys.
        batchInput: sfn.FieldUtils.renderObject({
          runId: sfn.JsonPath.stringAt('$.runId'),
          request: sfn.JsonPath.objectAt('$.request'),
        }),
      }),
      maxConcurrency: Math.max(1, Math.floor(config.maxConcurrency / REQUESTS_IN_FLIGHT_PER_BATCH)),
      toleratedFailurePercentage: config.toleratedFailurePercentage,
      resultWriterV2: new sfn.ResultWriterV2({ bucket: runsBucket, prefix: 'runs/map-results' }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    map.itemProcessor(collectTask);

    const finalizeTask = new tasks.LambdaInvoke(this, 'Finalize run', {
      lambdaFunction: this.finalize.fn,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$.runId') }),
      resultPath: '$.result',
    });
    finalizeTask.addRetry({ ...retry, errors: lambdaErrors });
    // A map past its tolerated failures still finalizes: the run records which users' batches failed.
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
    const machineLogs = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(8),
      tracingEnabled: true,
      logs: { destination: machineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description:
        'The nightly collection; start it with {"request":{"kind":"backfill","from":..,"to":..}} to backfill',
    }).overrideLogicalId('NightlyStateMachineArn');
  }
}
