import { Command, CommanderError } from 'commander';
import { registerCollect } from './commands/collect.ts';
import { registerDemo } from './commands/demo.ts';
import { registerInvoice } from './commands/invoice.ts';
import { registerReports } from './commands/reports.ts';
import { registerRuns } from './commands/runs.ts';
import { registerServe } from './commands/serve.ts';
import { registerSim } from './commands/sim.ts';
import { registerStatus } from './commands/status.ts';

const program = new Command()
  .name('e2-ledger')
  .description('Usage metering, invoices and audit exports for IDrive e2 resellers')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();

registerDemo(program);
registerCollect(program);
registerInvoice(program);
registerReports(program);
registerRuns(program);
registerStatus(program);
registerServe(program);
registerSim(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  process.stderr.write(`e2-ledger: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
