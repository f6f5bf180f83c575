import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLES, roleAllows } from '../../lambdas/api/roles.ts';
import { buildApp } from '../../lib/app.ts';
import { deploymentConfigFromContext, parseDeploymentConfig } from '../../lib/config.ts';
import { arnPath, routeAccess } from '../../lib/constructs/admin-api.ts';
import { REVIEWED_FINDINGS } from '../../lib/nag-acknowledgements.ts';
import { cdkContext } from '../support/cdk.ts';

// What the templates say. What they do when run is in test/aws (executed on independent backends).

let stateful: Template;
let stateless: Template;
let app: App;

const synth = (overrides: Record<string, unknown> = {}) => {
  const a = new App({ context: cdkContext(overrides) });
  const built = buildApp(a);
  a.synth();
  return {
    app: a,
    stateful: Template.fromStack(built.stateful),
    stateless: Template.fromStack(built.stateless),
  };
};

beforeAll(() => {
  ({ app, stateful, stateless } = synth());
});

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON
type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
const resources = (t: Template, type: string) =>
  Object.entries(t.findResources(type)) as [string, Resource][];
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string[]>>;
};

/** The statements of every inline policy on a function's role, by the function's construct path prefix. */
function functionStatements(prefix: string): Statement[] {
  const [, fn] = resources(stateless, 'AWS::Lambda::Function').find(([id]) => id.startsWith(prefix))!;
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  return resources(stateless, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** `dynamodb:Query on index: DAY#*, DIRECTORY` lines: what a function may do on the table. */
function tableGrants(prefix: string): string[] {
  return functionStatements(prefix)
    .filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')))
    .flatMap((s) => {
      const onIndex = JSON.stringify(s.Resource).includes('/index/');
      const keys = s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? ['(any key)'];
      return [s.Action].flat().map((a) => `${a}${onIndex ? ' on index' : ''}: ${[keys].flat().join(', ')}`);
    })
    .sort();
}

describe('the stateful stack', () => {
  it('keeps every bucket private, SSL-only, encrypted, versioned and retained', () => {
    const buckets = resources(stateful, 'AWS::S3::Bucket');
    expect(buckets.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'AccessLogs',
      'Audit',
      'Reports',
      'Runs',
    ]);
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

  it('locks the audit bucket with the configured Object Lock mode and retention (COMPLIANCE available)', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2555 } },
      },
    });
    const compliance = synth({
      'e2-ledger.auditLockMode': 'COMPLIANCE',
      'e2-ledger.auditRetentionDays': '3650',
    });
    compliance.stateful.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3650 } },
      },
    });
  });

  it('moves reports to Infrequent Access after the configured age, and expires run working files', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }] }),
        ]),
      },
    });
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })]),
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

describe('least privilege, per function', () => {
  it('grants each function exactly the table actions and key prefixes it uses, nothing on * and no deletes', () => {
    expect(tableGrants('NightlyListUsers')).toEqual([
      'dynamodb:GetItem: RUN#*',
      'dynamodb:PutItem: RUN#*',
      'dynamodb:Query on index: DIRECTORY',
      'dynamodb:UpdateItem: RUN#*',
      'dynamodb:UpdateItem: USER#*',
    ]);
    expect(tableGrants('NightlyCollectBatch')).toEqual([
      'dynamodb:BatchWriteItem: RUN#*',
      'dynamodb:BatchWriteItem: USER#*',
      'dynamodb:Query: USER#*',
      'dynamodb:UpdateItem: RUN#*',
      'dynamodb:UpdateItem: USER#*',
    ]);
    expect(tableGrants('NightlyFinalize')).toEqual([
      'dynamodb:BatchWriteItem: RUN#*',
      'dynamodb:GetItem: ALERTS, ALERTLOG#*',
      'dynamodb:GetItem: RUN#*',
      'dynamodb:PutItem: ALERTS, ALERTLOG#*',
      'dynamodb:PutItem: RUN#*',
      'dynamodb:Query on index: DIRECTORY, DAY#*',
      'dynamodb:Query: ALERTS, ALERTLOG#*',
      'dynamodb:Query: RUN#*',
      'dynamodb:Query: USER#*, AUDIT#*',
    ]);
    expect(tableGrants('MonthlyHandler')).toEqual([
      'dynamodb:BatchWriteItem: INVOICES#*',
      'dynamodb:GetItem: INVOICES#*',
      'dynamodb:GetItem: LEASE#*',
      'dynamodb:GetItem: SEQ#*',
      'dynamodb:PutItem: AUDIT#*',
      'dynamodb:PutItem: INVOICES#*',
      'dynamodb:PutItem: LEASE#*',
      'dynamodb:PutItem: SEQ#*',
      'dynamodb:Query on index: DAY#*, DIRECTORY, INVOICE-ISSUES',
      'dynamodb:Query: INVOICES#*',
      'dynamodb:Query: SEQ#*',
      'dynamodb:UpdateItem: LEASE#*',
    ]);
    // The admin API reads; it writes only audit records and queued runs, and deletes nothing.
    expect(tableGrants('AdminHandler')).toEqual([
      'dynamodb:GetItem: USER#*, RUN#*, AUDIT#*, INVOICES#*, ALERTS, ALERTLOG#*',
      'dynamodb:PutItem: AUDIT#*, RUN#*',
      'dynamodb:Query on index: DIRECTORY, RUNS, DAY#*, INVOICE-ISSUES',
      'dynamodb:Query: USER#*, RUN#*, AUDIT#*, INVOICES#*, ALERTS, ALERTLOG#*',
    ]);
    for (const [id, policy] of resources(stateless, 'AWS::IAM::Policy')) {
      for (const s of policy.Properties.PolicyDocument.Statement as Statement[]) {
        const actions = [s.Action].flat();
        expect(
          actions.filter((a) => /^(dynamodb|s3):(\*|Delete|Scan|PutBucket|PutObjectRetention)/.test(a)),
          id,
        ).toEqual([]);
        if (actions.some((a) => /^(dynamodb|s3|secretsmanager|states):/.test(a)))
          expect([s.Resource].flat(), `${id} ${actions}`).not.toContain('*');
      }
    }
  });

  it('scopes object access by key prefix, and gives the IDrive token only to the functions that call IDrive', () => {
    const s3Grants = (prefix: string) =>
      functionStatements(prefix)
        .filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')))
        .map(
          (s) =>
            `${[s.Action].flat().join('+')} ${
              JSON.stringify(s.Resource)
                .match(/\/(\w[\w./-]*\*?)"/g)
                ?.join(' ') ?? ''
            }`,
        );
    expect(s3Grants('NightlyCollectBatch').join('\n')).toMatch(
      /s3:AbortMultipartUpload\+s3:PutObject .*staging\/\*/,
    );
    expect(s3Grants('NightlyCollectBatch').join('\n')).not.toMatch(/invoices|usage|audit/);
    expect(s3Grants('MonthlyHandler').join('\n')).not.toMatch(/staging|usage\/|audit/);
    expect(s3Grants('AdminHandler').join('\n')).not.toMatch(/PutObject/);
    const tokenReaders = resources(stateless, 'AWS::IAM::Policy')
      .filter(([, p]) =>
        JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'),
      )
      .map(([id]) => id.replace(/Function.*/, ''))
      .sort();
    expect(tokenReaders).toEqual(['AdminHandler', 'NightlyCollectBatch', 'NightlyListUsers']);
  });

  it('gives each admin role an invoke policy on exactly its routes', () => {
    const access = routeAccess();
    expect(access.every((r) => ROLES.includes(r.role))).toBe(true);
    const policies = resources(stateless, 'AWS::IAM::ManagedPolicy');
    for (const role of ROLES) {
      const [, policy] = policies.find(([id]) =>
        id.startsWith(`Admin${role[0]!.toUpperCase()}${role.slice(1)}InvokePolicy`),
      )!;
      const text = JSON.stringify(policy.Properties.PolicyDocument);
      const routes = (text.match(/\/\$default\/[A-Z]+\/[^"]*/g) ?? []).map((r) =>
        r.replace('/$default/', ''),
      );
      const expected = access
        .filter((r) => roleAllows(role, r.role))
        .map((r) => `${r.method}${arnPath(r.path)}`);
      expect(routes.sort(), role).toEqual(expected.sort());
    }
  });
});

describe('the stateless stack', () => {
  it('runs every function on ARM64 Node.js 24 with an explicit timeout, memory, log retention and tracing', () => {
    const functions = resources(stateless, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(6);
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

  it('writes every path in the nightly definition under a .$ key, with a bounded Distributed Map and retries with jitter', () => {
    const machine = resources(stateless, 'AWS::StepFunctions::StateMachine')[0]?.[1];
    expect(machine!.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine!.Properties.LoggingConfiguration.Level).toBe('ALL');
    const joined = machine!.Properties.DefinitionString['Fn::Join'][1]
      .map((p: unknown) => (typeof p === 'string' ? p : 'TOKEN'))
      .join('');
    const definition = JSON.parse(joined);
    // A value that looks like a path under a key without .$ is passed on as literal text.
    const literalPaths: string[] = [];
    const walk = (v: unknown, key: string) => {
      if (
        typeof v === 'string' &&
        /^\$\$?\./.test(v) &&
        !key.endsWith('.$') &&
        !/Path$|^(Variable|ResultPath|InputPath|OutputPath)$/.test(key)
      )
        literalPaths.push(`${key}: ${v}`);
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, k);
    };
    walk(definition, '');
    expect(literalPaths).toEqual([]);
    const map = definition.States['Collect every user'];
    expect(map.ItemProcessor.ProcessorConfig.Mode).toBe('DISTRIBUTED');
    expect(map.ItemBatcher).toEqual({
      MaxItemsPerBatch: 25,
      BatchInput: { 'runId.$': '$.runId', 'request.$': '$.request' },
    });
    expect(map.MaxConcurrency).toBe(2);
    expect(map.ToleratedFailurePercentage).toBe(10);
    expect(map.ResultWriter.Parameters.Prefix).toBe('runs/map-results');
    expect(definition.States['List users'].Parameters).toEqual({
      'input.$': '$',
      'executionArn.$': '$$.Execution.Id',
    });
    expect(joined).toMatch(/"JitterStrategy":"FULL"/);
  });

  it('schedules the nightly run and, after the grace period, the monthly invoices, with retries and a dead-letter queue', () => {
    const schedules = resources(stateless, 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(2);
    for (const [, schedule] of schedules) {
      expect(schedule.Properties.Target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(schedule.Properties.Target.DeadLetterConfig.Arn).toBeDefined();
      expect(schedule.Properties.ScheduleExpressionTimezone).toBe('UTC');
    }
    expect(schedules.map(([, s]) => s.Properties.ScheduleExpression).sort()).toEqual([
      'cron(0 6 4 * ? *)',
      'cron(30 2 * * ? *)',
    ]);
  });

  it('alarms on failed and timed-out runs, late missing days, refused invoices, dead letters, API 5xx and function errors', () => {
    const alarms = resources(stateless, 'AWS::CloudWatch::Alarm');
    const metrics = alarms.map(([, a]) => a.Properties.MetricName);
    expect(metrics).toEqual(
      expect.arrayContaining([
        'ExecutionsFailed',
        'ExecutionsTimedOut',
        'UserDaysMissing',
        'UserDaysMissingPastWindow',
        'InvoicesRefused',
        'AlertEvaluationFailed',
        'MarginNotWritten',
        'ApproximateNumberOfMessagesVisible',
        '5xx',
      ]),
    );
    expect(metrics.filter((m) => m === 'Errors')).toHaveLength(6);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    stateless.resourceCountIs('AWS::SNS::Subscription', 1);
  });

  it('names every output an operator needs', () => {
    expect(
      Object.keys(stateful.findOutputs('*'))
        .filter((k) => !k.startsWith('ExportsOutput'))
        .sort(),
    ).toEqual(['AlertsTopicArn', 'ApiTokenSecretArn', 'AuditBucketName', 'ReportsBucketName', 'TableName']);
    expect(Object.keys(stateless.findOutputs('*')).sort()).toEqual([
      'AdminAdminInvokePolicyArn',
      'AdminAdminRoleArn',
      'AdminApiUrl',
      'AdminOperatorInvokePolicyArn',
      'AdminOperatorRoleArn',
      'AdminViewerInvokePolicyArn',
      'AdminViewerRoleArn',
      'AlarmTopicArn',
      'NightlyStateMachineArn',
    ]);
  });
});

describe('configuration and checks', () => {
  it('validates cdk.json context, names the wrong field, and takes -c e2-ledger.<field> overrides', () => {
    expect(parseDeploymentConfig({ alarmEmail: 'none' }).maxConcurrency).toBe(8);
    expect(() => parseDeploymentConfig({ alarmEmail: 'none', maxConcurrency: 0 })).toThrow(
      /e2-ledger\.maxConcurrency/,
    );
    expect(() => parseDeploymentConfig({ alarmEmail: 'nope' })).toThrow(/alarmEmail/);
    expect(() => parseDeploymentConfig({ alarmEmail: 'none', surprise: 1 })).toThrow(
      /invalid cdk.json context/,
    );
    expect(() =>
      parseDeploymentConfig({ alarmEmail: 'none', nightlyCron: { minute: '*/5', hour: '2' } }),
    ).toThrow(/nightlyCron\.minute/);
    const config = deploymentConfigFromContext({
      'e2-ledger': { batchSize: 25, alarmEmail: 'none' },
      'e2-ledger.batchSize': '5',
      'e2-ledger.alarmEmail': 'ops@example.com',
    });
    expect([config.batchSize, config.alarmEmail]).toEqual([5, 'ops@example.com']);
  });

  it('refuses to synthesize without somewhere for alarms to go, saying how to opt out on purpose', () => {
    const bare = new App({ context: { ...cdkContext(), 'e2-ledger.alarmEmail': undefined } });
    expect(() => buildApp(bare)).toThrow(/alarmEmail: alarms need somewhere to go.*alarmEmail "none"/);
    const none = synth({ 'e2-ledger.alarmEmail': 'none' });
    none.stateless.resourceCountIs('AWS::SNS::Subscription', 0);
    const external = synth({
      'e2-ledger.alarmEmail': 'none',
      'e2-ledger.alarmTopicArn': 'arn:aws:sns:eu-west-1:123456789012:pager',
    });
    for (const [, alarm] of resources(external.stateless, 'AWS::CloudWatch::Alarm'))
      expect(alarm.Properties.AlarmActions).toHaveLength(2);
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
    const probe = new App({ context: cdkContext() });
    buildApp(probe);
    new Bucket(new Stack(probe, 'Probe'), 'Unsafe');
    expect(() => probe.synth()).toThrow();
  });

  it('`cdk synth` works offline with no AWS credentials, bundling every function, and lists the outputs', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'e2l-synth-'));
    const run = (extra: string[]) =>
      execFileSync('npx', ['cdk', 'synth', '--output', outDir, ...extra], {
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
    try {
      const out = execFileSync(
        'sh',
        ['-c', `npx cdk synth --output ${outDir} -c e2-ledger.alarmEmail=ops@example.com 2>&1`],
        {
          env: {
            ...process.env,
            CDK_DISABLE_CLI_TELEMETRY: 'true',
            AWS_ACCESS_KEY_ID: '',
            AWS_SECRET_ACCESS_KEY: '',
            AWS_PROFILE: '',
          },
          encoding: 'utf8',
        },
      );
      expect(out).toMatch(/Successfully synthesized/);
      expect(out).toMatch(/E2LedgerStateful\.ApiTokenSecretArn: Put the IDrive e2 reseller API key here/);
      expect(out).toMatch(/E2LedgerStateless\.AdminApiUrl/);
      expect(() => run([])).toThrow(/alarms need somewhere to go/);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 180_000);
});
