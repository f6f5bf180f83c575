import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.ts';
import { parseDeploymentConfig } from '../../lib/config.ts';
import { REVIEWED_FINDINGS } from '../../lib/nag-acknowledgements.ts';

let stateful: Template;
let stateless: Template;
let app: App;

beforeAll(() => {
  // Skips esbuild bundling (0.5 s instead of 5 s); cdk-nag still runs on synth.
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const built = buildApp(app);
  app.synth();
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
});

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON
type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
const resources = (t: Template, type: string) =>
  Object.entries(t.findResources(type)) as [string, Resource][];

describe('the stateful stack', () => {
  it('keeps every bucket private, SSL-only, encrypted, versioned and retained', () => {
    const buckets = resources(stateful, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(3);
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption, id).toBeDefined();
      expect(bucket.Properties.VersioningConfiguration, id).toEqual({ Status: 'Enabled' });
      expect(bucket.DeletionPolicy, id).toBe('Retain');
    }
    const policies = resources(stateful, 'AWS::S3::BucketPolicy');
    for (const [id] of buckets) {
      const policy = policies.find(([, p]) => JSON.stringify(p.Properties.Bucket).includes(id));
      expect(JSON.stringify(policy?.[1].Properties.PolicyDocument), id).toMatch(
        /"aws:SecureTransport":"false".*"Effect":"Deny"|"Effect":"Deny".*"aws:SecureTransport":"false"/,
      );
    }
  });

  it('locks the audit bucket with Object Lock and a default retention', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2555 } },
      },
    });
  });

  it('moves reports to Infrequent Access after the configured age', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }] }),
        ]),
      },
    });
  });

  it('gives the table point-in-time recovery, encryption, on-demand billing and RETAIN', () => {
    const table = resources(stateful, 'AWS::DynamoDB::GlobalTable')[0]?.[1];
    expect(table!.DeletionPolicy).toBe('Retain');
    expect(table!.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table!.Properties.SSESpecification).toMatchObject({ SSEEnabled: true });
    expect(table!.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
    expect(table!.Properties.GlobalSecondaryIndexes.map((i: { IndexName: string }) => i.IndexName)).toEqual([
      'gsi1',
    ]);
  });

  it('holds the IDrive token in a retained secret whose value is not in the template', () => {
    const secret = resources(stateful, 'AWS::SecretsManager::Secret')[0]?.[1];
    expect(secret!.DeletionPolicy).toBe('Retain');
    expect(secret!.Properties.SecretString).toBeUndefined();
  });
});

describe('the stateless stack', () => {
  it('runs every function on ARM64 Node.js 24 with an explicit timeout, memory, log retention and tracing', () => {
    const functions = resources(stateless, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(5);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
      expect(fn.Properties.Timeout, id).toBeGreaterThan(0);
      expect(fn.Properties.MemorySize, id).toBeGreaterThan(0);
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(fn.Properties.LoggingConfig?.LogFormat, id).toBe('JSON');
    }
    for (const [, group] of resources(stateless, 'AWS::Logs::LogGroup'))
      expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('grants no data action on a * resource, and the IDrive token only to functions that call IDrive', () => {
    const dataAction = /^(dynamodb|s3|secretsmanager|states):/;
    const tokenReaders: string[] = [];
    for (const [id, policy] of resources(stateless, 'AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
      }[]) {
        const actions = [statement.Action].flat();
        const resourcesOf = [statement.Resource].flat();
        if (actions.some((a) => dataAction.test(a)))
          expect(resourcesOf, `${id} ${actions.join(',')}`).not.toContain('*');
        if (actions.includes('secretsmanager:GetSecretValue')) tokenReaders.push(id);
      }
    }
    expect(tokenReaders.sort()).toEqual([
      expect.stringMatching(/^AdminApi/),
      expect.stringMatching(/^CollectBatch/),
      expect.stringMatching(/^ListUsers/),
    ]);
  });

  it('authorizes every admin route with IAM, logs access and throttles', () => {
    const routes = resources(stateless, 'AWS::ApiGatewayV2::Route');
    expect(routes.length).toBeGreaterThan(0);
    for (const [, route] of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }),
    });
  });

  it('runs the nightly state machine with logs, tracing, a bounded Distributed Map and retries with jitter', () => {
    const machine = resources(stateless, 'AWS::StepFunctions::StateMachine')[0]?.[1];
    expect(machine!.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine!.Properties.LoggingConfiguration.Level).toBe('ALL');
    const definition = JSON.stringify(machine!.Properties.DefinitionString);
    expect(definition).toContain('DISTRIBUTED');
    expect(definition).toMatch(/\\"MaxConcurrency\\":2/);
    expect(definition).toMatch(/\\"ToleratedFailurePercentage\\":10/);
    expect(definition).toMatch(/\\"MaxItemsPerBatch\\":25/);
    expect(definition).toMatch(/\\"JitterStrategy\\":\\"FULL\\"/);
  });

  it('schedules the nightly run and the monthly invoices with a retry policy and a dead-letter queue', () => {
    const schedules = resources(stateless, 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(2);
    for (const [, schedule] of schedules) {
      expect(schedule.Properties.Target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(schedule.Properties.Target.DeadLetterConfig.Arn).toBeDefined();
      expect(schedule.Properties.ScheduleExpressionTimezone).toBe('UTC');
    }
    expect(schedules.map(([, s]) => s.Properties.ScheduleExpression).sort()).toEqual([
      'cron(0 6 1 * ? *)',
      'cron(30 2 * * ? *)',
    ]);
  });

  it('alarms on failed executions, dead letters, function errors and missing user-days, to one topic', () => {
    const alarms = resources(stateless, 'AWS::CloudWatch::Alarm');
    const metrics = alarms.map(([, a]) => a.Properties.MetricName);
    expect(metrics).toEqual(
      expect.arrayContaining([
        'ExecutionsFailed',
        'ApproximateNumberOfMessagesVisible',
        'UserDaysMissing',
        'Errors',
      ]),
    );
    expect(metrics.filter((m) => m === 'Errors')).toHaveLength(5);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });
});

describe('configuration and checks', () => {
  it('validates cdk.json context and names the wrong field', () => {
    expect(parseDeploymentConfig({}).maxConcurrency).toBe(8);
    expect(() => parseDeploymentConfig({ maxConcurrency: 0 })).toThrow(/e2-ledger\.maxConcurrency/);
    expect(() => parseDeploymentConfig({ alarmEmail: 'nope' })).toThrow(/alarmEmail/);
    expect(() => parseDeploymentConfig({ surprise: 1 })).toThrow(/invalid cdk.json context/);
  });

  it('passes cdk-nag AwsSolutions and Serverless with every acknowledgement carrying a reason', () => {
    // app.synth() above ran the packs; an unacknowledged finding would have failed it.
    for (const reviewed of REVIEWED_FINDINGS) expect(reviewed.reason.length).toBeGreaterThan(20);
    const acknowledgements = app.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
          .flatMap((m) => Object.values(m.data as Record<string, string>)),
      );
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const reason of acknowledgements) expect(reason.length).toBeGreaterThan(20);
  });

  it('fails synth when a finding is neither fixed nor reviewed', async () => {
    const { Stack } = await import('aws-cdk-lib');
    const { Bucket } = await import('aws-cdk-lib/aws-s3');
    const probe = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    buildApp(probe);
    new Bucket(new Stack(probe, 'Probe'), 'Unsafe');
    expect(() => probe.synth()).toThrow();
  });

  it('`cdk synth` works offline with no AWS credentials, bundling every function with esbuild', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'e2l-synth-'));
    const out = execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', outDir], {
      env: {
        ...process.env,
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
      },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    rmSync(outDir, { recursive: true, force: true });
    expect(out).not.toMatch(/Error/);
  }, 120_000);
});
