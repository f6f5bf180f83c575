import { join } from 'node:path';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const PROJECT_ROOT = join(import.meta.dirname, '../..');

export type LedgerFunctionProps = {
  /** File under lambdas/handlers/. */
  readonly entry: string;
  readonly handler: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetentionDays: number;
  /**
   * How the function is invoked. `sync` (Step Functions, API Gateway): the caller sees and retries
   * failures. `async` (a schedule): failed events go to `deadLetterQueue`.
   */
  readonly invocation:
    | { readonly kind: 'sync' }
    | { readonly kind: 'async'; readonly deadLetterQueue: sqs.IQueue };
  /** Files copied beside the bundle (paths from the project root), e.g. the PDF fonts. */
  readonly extraFiles?: readonly string[];
};

/**
 * One Lambda with the defaults every e2-ledger function shares: Node.js 24 on ARM64, esbuild bundle
 * (ESM, minified, AWS SDK v3 from the runtime), JSON logs with a retention, X-Ray tracing, and an
 * explicit timeout and memory size. It starts with no data access: each use grants what it needs.
 */
export class LedgerFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: LedgerFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: retentionFor(props.logRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, 'lambdas/handlers', props.entry),
      handler: props.handler,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      ...(props.invocation.kind === 'async' ? { deadLetterQueue: props.invocation.deadLetterQueue } : {}),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'e2-ledger',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node24',
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // The runtime ships AWS SDK v3: bundles stay near 1 MB instead of 2 MB.
        // jsPDF's optional renderers (HTML, SVG) are never used: left out of the bundle.
        externalModules: ['@aws-sdk/*', 'html2canvas', 'canvg', 'dompurify', 'core-js'],
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        ...(props.extraFiles?.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) =>
                  (props.extraFiles ?? []).map((f) => `cp "${inputDir}/${f}" "${outputDir}/"`),
              },
            }
          : {}),
      },
    });
    Validations.of(this.fn.role!).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The basic execution role only lets the function write to its own log group.',
    });
    if (props.invocation.kind === 'sync') {
      Validations.of(this.fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously (Step Functions or API Gateway); the caller sees and retries failures.',
      });
    }
  }
}

function retentionFor(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0)
    .sort((a, b) => a - b);
  return (allowed.find((d) => d >= days) ?? logs.RetentionDays.INFINITE) as logs.RetentionDays;
}
