import { CfnOutput, Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROLES, type Role, roleAllows } from '../../lambdas/api/roles.ts';
import { routes } from '../../lambdas/api/routes.ts';
import { KEY_PATTERNS } from '../../lambdas/store/table.ts';
import type { DeploymentConfig } from '../config.ts';
import { grantObjects, grantTable } from './data-access.ts';
import type { LedgerData } from './ledger-data.ts';
import { LedgerFunction } from './ledger-function.ts';

/** Every route the Lambda serves, with the least role allowed to call it. */
export function routeAccess(): { method: string; path: string; role: Role }[] {
  return [
    { method: 'GET', path: '/openapi.json', role: 'viewer' as Role },
    ...routes.map((r) => ({ method: r.method, path: r.path, role: r.role })),
  ];
}

/** `/users/{email}/usage` -> `/users/*` + `/usage`: the resource path in an execute-api ARN. */
export const arnPath = (path: string) => path.replace(/\{[^}]+\}/g, '*');

export type AdminApiProps = {
  readonly config: DeploymentConfig;
  readonly data: LedgerData;
  readonly environment: Readonly<Record<string, string>>;
};

/**
 * The admin HTTP API: IAM (SigV4) on every route, JSON access logs, throttling; one Lambda behind a
 * catch-all route. Three roles (viewer, operator, admin) are IAM roles whose policies allow
 * execute-api:Invoke on exactly their routes; the Lambda checks the caller's role again.
 */
export class AdminApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly function: LedgerFunction;
  readonly roles: Record<Role, iam.Role>;
  readonly invokePolicies: Record<Role, iam.ManagedPolicy>;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);
    const { config, data } = props;
    this.roles = Object.fromEntries(
      ROLES.map((role) => [
        role,
        new iam.Role(this, `${cap(role)}Role`, {
          assumedBy: new iam.AccountRootPrincipal(),
          description: `e2-ledger admin API, ${role}: assume this role to call the ${role} routes`,
          maxSessionDuration: Duration.hours(4),
        }),
      ]),
    ) as Record<Role, iam.Role>;

    this.function = new LedgerFunction(this, 'Handler', {
      entry: 'admin-api.ts',
      handler: 'handler',
      description: 'Admin HTTP API',
      timeout: Duration.seconds(29),
      memorySize: 512,
      environment: {
        ...props.environment,
        // `<role name>:<role>,...`: how the Lambda maps an assumed-role caller to its admin API role.
        E2L_ROLE_NAMES: ROLES.map((role) => `${this.roles[role].roleName}:${role}`).join(','),
        E2L_ADMIN_PRINCIPALS: JSON.stringify(config.adminPrincipals),
      },
      logRetentionDays: config.logRetentionDays,
      invocation: { kind: 'sync' },
    });
    const fn = this.function.fn;
    data.apiTokenSecret.grantRead(fn);
    // Reads what finance and ops look at; writes only audit records and queued backfill runs. It
    // cannot delete anything, nor write snapshots, profiles, invoice documents or number claims.
    grantTable(fn, data.table, [
      {
        actions: ['GetItem', 'Query'],
        keys: [
          KEY_PATTERNS.user,
          KEY_PATTERNS.run,
          KEY_PATTERNS.audit,
          KEY_PATTERNS.invoices,
          KEY_PATTERNS.alerts,
          KEY_PATTERNS.alertLog,
        ],
      },
      {
        actions: ['Query'],
        keys: [KEY_PATTERNS.directory, KEY_PATTERNS.runs, KEY_PATTERNS.day, KEY_PATTERNS.invoiceIssues],
        index: true,
      },
      { actions: ['PutItem'], keys: [KEY_PATTERNS.audit, KEY_PATTERNS.run] },
    ]);
    grantObjects(fn, [
      {
        bucket: data.reportsBucket,
        read: ['usage/*', 'invoices/*', 'reports/*', 'exports/*', config.rateCardKey],
        list: ['usage/*', 'invoices/*'],
      },
      { bucket: data.auditBucket, read: ['audit/*'], list: ['audit/*'] },
    ]);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_YEAR });
    this.api = new apigw.HttpApi(this, 'HttpApi', {
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    this.api.addRoutes({
      path: '/{proxy+}',
      methods: [apigw.HttpMethod.ANY],
      integration: new HttpLambdaIntegration('Admin', fn),
    });
    new apigw.HttpStage(this, 'Stage', {
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

    const access = routeAccess();
    this.invokePolicies = Object.fromEntries(
      ROLES.map((role) => {
        const allowed = access.filter((r) => roleAllows(role, r.role));
        const policy = new iam.ManagedPolicy(this, `${cap(role)}InvokePolicy`, {
          description: `e2-ledger admin API routes for the ${role} role (${allowed.length} routes)`,
          statements: [
            new iam.PolicyStatement({
              actions: ['execute-api:Invoke'],
              resources: allowed.map((r) => this.api.arnForExecuteApi(r.method, arnPath(r.path), '$default')),
            }),
          ],
          roles: [this.roles[role]],
        });
        return [role, policy];
      }),
    ) as Record<Role, iam.ManagedPolicy>;

    new CfnOutput(this, 'Url', {
      value: this.api.apiEndpoint,
      description: 'Admin API base URL (SigV4, service execute-api)',
    }).overrideLogicalId('AdminApiUrl');
    for (const role of ROLES) {
      new CfnOutput(this, `${cap(role)}RoleArn`, {
        value: this.roles[role].roleArn,
        description: `Assume to call the admin API as ${role}`,
      }).overrideLogicalId(`Admin${cap(role)}RoleArn`);
      new CfnOutput(this, `${cap(role)}InvokePolicyArn`, {
        value: this.invokePolicies[role].managedPolicyArn,
        description: `Attach to an IAM user or role to give it the ${role} routes (also list it in adminPrincipals)`,
      }).overrideLogicalId(`Admin${cap(role)}InvokePolicyArn`);
    }
  }
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
