import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { deploymentConfigFromContext } from './config.ts';
import { ReviewedFindingsFilter } from './nag-acknowledgements.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

/** Both stacks, wired by typed props, with cdk-nag's AwsSolutions and Serverless packs checking them. */
export function buildApp(app: App) {
  const config = deploymentConfigFromContext(app.node.getAllContext());
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, 'E2LedgerStateful', {
    env,
    reportsInfrequentAccessDays: config.reportsInfrequentAccessDays,
    auditLock: { mode: config.auditLockMode, retentionDays: config.auditRetentionDays },
    alertsEmail: config.alertsEmail,
    description: 'e2-ledger data: table, report, audit and run buckets, API token secret, alerts topic',
  });
  const stateless = new StatelessStack(app, 'E2LedgerStateless', {
    env,
    config,
    table: stateful.table,
    reportsBucket: stateful.reportsBucket,
    auditBucket: stateful.auditBucket,
    runsBucket: stateful.runsBucket,
    apiTokenSecret: stateful.apiTokenSecret,
    alertsTopic: stateful.alertsTopic,
    description: 'e2-ledger functions, nightly state machine, schedules, admin API, alarms',
  });
  Validations.of(app).addPlugins(
    new ReviewedFindingsFilter(new AwsSolutionsChecks(app)),
    new ReviewedFindingsFilter(new ServerlessChecks(app)),
  );
  return { config, stateful, stateless };
}
