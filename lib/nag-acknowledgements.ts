import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import type { NagPack } from 'cdk-nag';

/**
 * Wildcard IAM findings we reviewed, as patterns over cdk-nag's finding ids, each with its reason.
 * Every finding that matches is acknowledged on its own resource, by its exact id; anything else
 * (a new wildcard, a new rule) still fails synth.
 */
export const REVIEWED_FINDINGS: readonly { pattern: RegExp; reason: string }[] = [
  {
    pattern: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    reason: 'X-Ray tracing and Step Functions log delivery actions have no resource-level permissions.',
  },
  {
    pattern:
      /^AwsSolutions-IAM5\[Resource::E2LedgerStateful:ExportsOutputFnGetAtt(Reports|Audit|Runs)\w+\/(runs|staging|usage|invoices|audit|alerts|reports|exports|config)\/\*\]$/,
    reason: 'Object access scoped to the one key prefix this function writes or reads.',
  },
  {
    pattern:
      /^AwsSolutions-IAM5\[Resource::arn:(<AWS::Partition>|aws[a-z-]*):s3:::E2LedgerStateful:ExportsOutputRefRuns\w+\/\*\]$/,
    reason:
      "The Distributed Map's ItemReader and ResultWriter grants cover the runs bucket, which holds only run working files (users file, map results).",
  },
  {
    pattern:
      /^AwsSolutions-IAM5\[Resource::arn:(<AWS::Partition>|aws[a-z-]*):execute-api:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|\d{12}):<Admin\w+>\/\$default\/(GET|POST|PUT|PATCH|DELETE)\/[\w*./-]+\]$/,
    reason:
      'Role invoke policies name each admin route; a * stands for one path parameter (an email, a storage DN, a run id), not for other routes.',
  },
  {
    pattern: /^AwsSolutions-IAM5\[Action::s3:(GetObject|GetBucket|List|Abort|DeleteObject)\*\]$/,
    reason: 'Action groups of CDK bucket grants (read / put / read-write), always on a scoped resource.',
  },
  {
    pattern: /^AwsSolutions-IAM5\[Resource::<\w+Function\w+\.Arn>:\*\]$/,
    reason: 'Invoking a task Lambda also allows its versions and aliases (<function-arn>:*).',
  },
  {
    pattern: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):states:.*:execution:.*\]$/,
    reason: 'The Distributed Map starts and stops its own child executions of this state machine only.',
  },
];

/**
 * A cdk-nag pack whose report leaves out the reviewed findings. Filtering at validation time (not by
 * acknowledging ids up front) is needed because finding ids name cross-stack exports that only exist
 * once the app is being synthesized.
 */
export class ReviewedFindingsFilter implements IPolicyValidationPlugin {
  readonly name: string;

  constructor(private readonly pack: NagPack) {
    this.name = `${pack.name} (reviewed findings filtered)`;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.pack.validate(context);
    const violations = report.violations.filter(
      (v) => !REVIEWED_FINDINGS.some((r) => r.pattern.test(v.ruleName)),
    );
    return { ...report, violations, success: violations.length === 0 };
  }
}
