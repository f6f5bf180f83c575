import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.ts';
import { DeploymentConfigError } from '../lib/config.ts';

const app = new App();
let built: ReturnType<typeof buildApp>;
try {
  built = buildApp(app);
} catch (error) {
  // A wrong setting: say which and how to fix it, without a stack trace.
  if (!(error instanceof DeploymentConfigError)) throw error;
  process.stderr.write(`e2-ledger: ${error.message}\n`);
  process.exit(1);
}
app.synth();

// What `cdk deploy` will print, so an operator sees at synth time what they get and what to do first.
const lines: string[] = [];
for (const stack of [built.stateful, built.stateless]) {
  for (const output of stack.node.findAll().filter((c): c is CfnOutput => c instanceof CfnOutput)) {
    const id = Stack.of(output).resolve(output.logicalId) as string;
    if (id.startsWith('ExportsOutput')) continue; // CDK's own cross-stack exports
    lines.push(`  ${Stack.of(output).stackName}.${id}: ${output.description ?? ''}`);
  }
}
process.stderr.write(`e2-ledger stack outputs (values appear after cdk deploy):\n${lines.join('\n')}\n`);
