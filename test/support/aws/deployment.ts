import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../../lib/app.ts';
import { cdkContext } from '../cdk.ts';
import { ACCOUNT, arns, REGION, Stack } from './cloudformation.ts';
import { type MapRun, runDistributedMap, splitDistributedMap } from './distributed-map.ts';
import { type Emulator, startDynamoDbLocal, startMoto } from './emulators.ts';
import type { PolicyStatement } from './iam-policy.ts';
import { IamProxies } from './iam-proxies.ts';
import { LambdaService } from './lambda-service.ts';

/**
 * e2-ledger as `cdk deploy` would create it, on independent implementations of the services:
 * the app is synthesized with bundling (the real Lambda assets), every table, bucket (versioning,
 * Object Lock), secret and state machine is created from the templates, each function runs its
 * bundled code with its environment from the template, and each call it makes is held to its IAM
 * policy from the template.
 *
 * Executed by: DynamoDB -> Amazon DynamoDB Local; S3 (Object Lock), Secrets Manager, Step Functions
 * (the ASL interpreter: Task, Retry, Catch, Choice, Succeed, Fail, payload templates and paths) ->
 * moto; Lambda -> our Invoke API bridge running the bundled assets; the Distributed Map's iteration
 * (ItemReader, ItemBatcher, MaxConcurrency, tolerated failures, ResultWriter) -> distributed-map.ts,
 * its child executions -> moto; IAM -> iam-policy.ts through proxies. Not executed: EventBridge
 * Scheduler (its target input is read from the template and used as the execution input), API
 * Gateway (the admin function is invoked with an API Gateway v2 event), CloudWatch alarms, SNS,
 * SQS, KMS, bucket policies and X-Ray.
 */

const PROJECT_ROOT = join(import.meta.dirname, '../../..');
const CREDENTIALS = { accessKeyId: 'harness', secretAccessKey: 'harness' };

export type DeployOptions = {
  /** Context laid over cdk.json (e.g. `{'e2-ledger.batchSize': 3}`). */
  readonly context?: Record<string, unknown>;
  /** The IDrive e2 API the functions call (the simulator), set as `e2ApiUrl`. */
  readonly e2ApiUrl: string;
  /** Put into the token secret, as an operator would with put-secret-value. */
  readonly apiToken: string;
  /** Retry intervals are multiplied by this (moto waits real seconds). */
  readonly retryTimeScale?: number;
};

export type ExecutionResult = {
  readonly status: string;
  readonly output: unknown;
  readonly error: string | undefined;
  readonly cause: string | undefined;
  readonly history: HistoryEvent[];
};

export type Deployment = Awaited<ReturnType<typeof deployLedger>>;

export async function deployLedger(options: DeployOptions) {
  const outdir = mkdtempSync(join(tmpdir(), 'e2l-deploy-'));
  // The Node.js runtime provides the AWS SDK v3 to bundles that leave it out; nothing else.
  mkdirSync(join(outdir, 'node_modules'));
  symlinkSync(join(PROJECT_ROOT, 'node_modules/@aws-sdk'), join(outdir, 'node_modules/@aws-sdk'));

  const app = new App({
    outdir,
    context: cdkContext(
      // Asset metadata names each function's bundle directory, as the CDK CLI records it.
      { 'e2-ledger.e2ApiUrl': options.e2ApiUrl, 'aws:cdk:enable-asset-metadata': true, ...options.context },
      { bundle: true },
    ),
  });
  buildApp(app);
  const assembly = app.synth();
  const statefulArtifact = assembly.getStackByName('E2LedgerStateful');
  const statelessArtifact = assembly.getStackByName('E2LedgerStateless');
  const stateful = new Stack('E2LedgerStateful', statefulArtifact.template);
  const stateless = new Stack('E2LedgerStateless', statelessArtifact.template, () => stateful.exports());

  const started: Emulator[] = [];
  const lambda = new LambdaService();
  const proxies = new IamProxies();
  const stopAll = async () => {
    await lambda.stop();
    await proxies.stop();
    for (const e of started.reverse()) await e.stop();
    rmSync(outdir, { recursive: true, force: true });
  };
  try {
    await lambda.start();
    const ddb = await startDynamoDbLocal();
    started.push(ddb);
    const moto = await startMoto({
      lambdaEndpoint: lambda.endpoint,
      retryTimeScale: options.retryTimeScale ?? 1,
    });
    started.push(moto);
    await proxies.start({
      dynamodb: ddb.endpoint,
      s3: moto.endpoint,
      secretsmanager: moto.endpoint,
      sfn: moto.endpoint,
      sns: moto.endpoint,
    });

    const client = { region: REGION, credentials: CREDENTIALS };
    const dynamodb = new DynamoDBClient({ ...client, endpoint: ddb.endpoint });
    const s3 = new S3Client({ ...client, endpoint: moto.endpoint, forcePathStyle: true });
    const secrets = new SecretsManagerClient({ ...client, endpoint: moto.endpoint });
    const sfn = new SFNClient({ ...client, endpoint: moto.endpoint });
    const sns = new SNSClient({ ...client, endpoint: moto.endpoint });
    // The test's own: a queue subscribed to a topic receives what SNS delivers, attributes included.
    const sqs = new SQSClient({ ...client, endpoint: moto.endpoint });

    // The stateful stack: table, buckets, secret.
    for (const [id, table] of stateful.resources('AWS::DynamoDB::GlobalTable')) {
      const p = table.Properties as {
        KeySchema: KeySchemaElement[];
        AttributeDefinitions: AttributeDefinition[];
        GlobalSecondaryIndexes?: GlobalSecondaryIndex[];
      };
      const name = `e2l-${id}`;
      await dynamodb.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: p.KeySchema,
          AttributeDefinitions: p.AttributeDefinitions,
          ...(p.GlobalSecondaryIndexes
            ? {
                GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map((g) => ({
                  IndexName: g.IndexName,
                  KeySchema: g.KeySchema,
                  Projection: g.Projection ?? { ProjectionType: 'ALL' },
                })),
              }
            : {}),
        }),
      );
      stateful.deployed(id, { ref: name, attributes: { Arn: arns.table(name) } });
    }
    const buckets: Record<string, string> = {};
    for (const [id, bucket] of stateful.resources('AWS::S3::Bucket')) {
      const p = bucket.Properties as {
        ObjectLockEnabled?: boolean;
        VersioningConfiguration?: { Status: string };
        ObjectLockConfiguration?: {
          ObjectLockEnabled: string;
          Rule?: { DefaultRetention: { Mode: string; Days?: number } };
        };
      };
      const name = `e2l-${id.toLowerCase()}`.slice(0, 63);
      await s3.send(
        new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: Boolean(p.ObjectLockEnabled) }),
      );
      if (p.VersioningConfiguration?.Status === 'Enabled')
        await s3.send(
          new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
        );
      const rule = p.ObjectLockConfiguration?.Rule?.DefaultRetention;
      if (rule)
        await s3.send(
          new PutObjectLockConfigurationCommand({
            Bucket: name,
            ObjectLockConfiguration: {
              ObjectLockEnabled: 'Enabled',
              Rule: { DefaultRetention: { Mode: rule.Mode as 'GOVERNANCE' | 'COMPLIANCE', Days: rule.Days } },
            },
          }),
        );
      buckets[id] = name;
      stateful.deployed(id, {
        ref: name,
        attributes: { Arn: arns.bucket(name), DomainName: `${name}.s3.amazonaws.com` },
      });
    }
    const topics: Record<string, string> = {};
    for (const [id] of stateful.resources('AWS::SNS::Topic')) {
      const created = await sns.send(new CreateTopicCommand({ Name: `e2l-${id}` }));
      topics[id] = created.TopicArn!;
      stateful.deployed(id, { ref: created.TopicArn!, attributes: { TopicArn: created.TopicArn! } });
    }
    for (const [id] of stateful.resources('AWS::SecretsManager::Secret')) {
      const created = await secrets.send(
        new CreateSecretCommand({ Name: `e2l-${id}`, SecretString: options.apiToken }),
      );
      stateful.deployed(id, { ref: created.ARN!, attributes: {} });
    }

    // The stateless stack: names and ARNs first (definitions and environments refer to them).
    for (const [id] of stateless.resources('AWS::Lambda::Function'))
      stateless.deployed(id, { ref: id, attributes: { Arn: arns.lambda(id) } });
    for (const [id] of stateless.resources('AWS::IAM::Role'))
      stateless.deployed(id, { ref: id, attributes: { Arn: arns.role(id) } });
    for (const [id] of stateless.resources('AWS::IAM::ManagedPolicy'))
      stateless.deployed(id, { ref: arns.policy(id), attributes: {} });
    for (const [id] of stateless.resources('AWS::StepFunctions::StateMachine')) {
      const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${id}`;
      stateless.deployed(id, { ref: arn, attributes: { Arn: arn, Name: id } });
    }
    for (const [id] of stateless.resources('AWS::ApiGatewayV2::Api'))
      stateless.deployed(id, {
        ref: 'adminapi01',
        attributes: { ApiEndpoint: 'https://adminapi01.execute-api.us-east-1.amazonaws.com' },
      });
    for (const [id] of stateless.resources('AWS::SNS::Topic'))
      stateless.deployed(id, { ref: arns.topic(id), attributes: { TopicArn: arns.topic(id) } });
    for (const [id] of stateless.resources('AWS::SQS::Queue'))
      stateless.deployed(id, {
        ref: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`,
        attributes: { Arn: arns.queue(id) },
      });
    for (const [id] of stateless.resources('AWS::Logs::LogGroup'))
      stateless.deployed(id, { ref: id, attributes: { Arn: arns.logGroup(id) } });

    /** Every statement of the inline policies attached to a role. */
    const policiesOf = (roleId: string): PolicyStatement[] =>
      stateless
        .resources('AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify((p.Properties as { Roles: unknown }).Roles).includes(`"${roleId}"`))
        .flatMap(
          ([, p]) =>
            (
              stateless.resolve((p.Properties as { PolicyDocument: unknown }).PolicyDocument) as {
                Statement: PolicyStatement[];
              }
            ).Statement,
        );
    const roleIdOf = (roleArn: unknown) => (roleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

    const functions: Record<string, string> = {};
    const functionPolicies: Record<string, PolicyStatement[]> = {};
    for (const [id, fn] of stateless.resources('AWS::Lambda::Function')) {
      const p = fn.Properties as {
        Handler: string;
        Timeout: number;
        MemorySize: number;
        Role: unknown;
        Environment?: { Variables: Record<string, unknown> };
      };
      const assetPath = fn.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string') continue; // not one of ours (e.g. a CDK custom resource)
      const statements = policiesOf(roleIdOf(p.Role));
      functionPolicies[id] = statements;
      const keyId = `FN${id}`;
      proxies.principal(keyId, { name: id, statements });
      lambda.caller(keyId, statements); // a function may invoke another (the monthly run, its files)
      lambda.register({
        logicalId: id,
        name: id,
        assetDir: join(assembly.directory, assetPath),
        exportName: p.Handler.replace(/^index\./, ''),
        timeoutSeconds: p.Timeout,
        memoryMb: p.MemorySize,
        environment: {
          ...(stateless.resolve(p.Environment?.Variables ?? {}) as Record<string, string>),
          AWS_REGION: REGION,
          AWS_DEFAULT_REGION: REGION,
          AWS_ACCESS_KEY_ID: keyId,
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_ENDPOINT_URL_DYNAMODB: proxies.endpoints.dynamodb,
          AWS_ENDPOINT_URL_S3: proxies.endpoints.s3,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: proxies.endpoints.secretsmanager,
          AWS_ENDPOINT_URL_SFN: proxies.endpoints.sfn,
          AWS_ENDPOINT_URL_SNS: proxies.endpoints.sns,
          AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
          // moto serves S3 on one host: path-style URLs (the code's switch for S3-compatible endpoints).
          E2L_S3_PATH_STYLE: 'true',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      });
      functions[id] = id;
    }

    // State machines: the definition as synthesized, its Distributed Maps bridged.
    const mapRuns: MapRun[] = [];
    const stateMachines: Record<string, string> = {};
    for (const [id, machine] of stateless.resources('AWS::StepFunctions::StateMachine')) {
      const p = machine.Properties as { DefinitionString: unknown; RoleArn: unknown };
      const definition = JSON.parse(stateless.resolve(p.DefinitionString) as string);
      const roleStatements = policiesOf(roleIdOf(p.RoleArn));
      lambda.caller('step-functions', roleStatements);
      const keyId = `SFN${id}`;
      proxies.principal(keyId, { name: id, statements: roleStatements });
      const asRole = new S3Client({
        region: REGION,
        credentials: { accessKeyId: keyId, secretAccessKey: 'secret' },
        endpoint: proxies.endpoints.s3,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
      });
      for (const [stateName, state] of Object.entries(
        definition.States as Record<string, { Type: string }>,
      )) {
        if (state.Type !== 'Map') continue;
        const bridge = `${id}-map-${stateName.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 64);
        const { task, config } = splitDistributedMap(stateName, state, arns.lambda(bridge));
        const processorName = `${id}-${config.stateName.replace(/[^A-Za-z0-9-]/g, '-')}-processor`.slice(
          0,
          80,
        );
        const processor = await sfn.send(
          new CreateStateMachineCommand({
            name: processorName,
            definition: JSON.stringify(config.processorDefinition),
            roleArn: stateless.resolve(p.RoleArn) as string,
          }),
        );
        lambda.registerInProcess(bridge, (event) =>
          runDistributedMap(event, {
            config,
            processorArn: processor.stateMachineArn!,
            s3: asRole,
            sfn,
            onRun: (run) => mapRuns.push(run),
          }),
        );
        definition.States[stateName] = task;
      }
      const created = await sfn.send(
        new CreateStateMachineCommand({
          name: id,
          definition: JSON.stringify(definition),
          roleArn: stateless.resolve(p.RoleArn) as string,
        }),
      );
      stateMachines[id] = created.stateMachineArn!;
    }

    const only = (record: Record<string, string>, prefix: string) => {
      const hits = Object.entries(record).filter(([k]) => k.startsWith(prefix));
      if (hits.length !== 1)
        throw new Error(`expected one resource starting ${prefix}, found ${hits.map(([k]) => k).join(', ')}`);
      return hits[0]![1];
    };
    const tableName = stateful.ref(stateful.resources('AWS::DynamoDB::GlobalTable')[0]![0]);

    return {
      assembly,
      stateful,
      stateless,
      lambda,
      proxies,
      mapRuns,
      functionPolicies,
      clients: { dynamodb, s3, secrets, sfn, sns, sqs },
      alertsTopicArn: only(topics, 'Alerts'),
      endpoints: { dynamodb: ddb.endpoint, moto: moto.endpoint },
      tableName,
      buckets: {
        reports: only(buckets, 'Reports'),
        audit: only(buckets, 'Audit'),
        runs: only(buckets, 'Runs'),
      },
      functions: {
        listUsers: only(functions, 'NightlyListUsers'),
        collectBatch: only(functions, 'NightlyCollectBatch'),
        finalize: only(functions, 'NightlyFinalize'),
        monthly: only(functions, 'MonthlyHandler'),
        monthFiles: only(functions, 'MonthFilesHandler'),
        admin: only(functions, 'AdminHandler'),
      },
      stateMachineArn: only(stateMachines, 'Nightly'),

      /** The input a schedule's target sends, as in the template. */
      scheduleInput(prefix: string): unknown {
        const [, schedule] = stateless
          .resources('AWS::Scheduler::Schedule')
          .find(([k]) => k.startsWith(prefix))!;
        return JSON.parse((schedule.Properties as { Target: { Input: string } }).Target.Input);
      },

      /** Starts an execution (as the schedule or the admin API would) and waits for it to end. */
      async execute(input: unknown, timeoutMs = 120_000): Promise<ExecutionResult> {
        const started = await sfn.send(
          new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, input: JSON.stringify(input) }),
        );
        return this.waitFor(started.executionArn!, timeoutMs);
      },

      async waitFor(executionArn: string, timeoutMs = 120_000): Promise<ExecutionResult> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
          if (d.status !== 'RUNNING') {
            const history = await sfn.send(
              new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
            );
            return {
              status: d.status!,
              output: d.output ? JSON.parse(d.output) : null,
              error: d.error,
              cause: d.cause,
              history: history.events ?? [],
            };
          }
          if (Date.now() > deadline)
            throw new Error(`execution ${executionArn} still running after ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },

      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
