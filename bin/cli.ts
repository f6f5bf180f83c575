import { Command, CommanderError } from 'commander';
import { CostCardError } from '../lambdas/billing/cost-card.ts';
import { RateCardError } from '../lambdas/billing/rate-card.ts';
import { ConfigError } from '../lambdas/config/env.ts';
import { E2ConfigError } from '../lambdas/e2/config.ts';
import { AdminTokensError } from '../local/admin/admin-server.ts';
import { DataDirInUseError } from '../local/stores/data-dir-lock.ts';
import { registerAlerts } from './commands/alerts.ts';
import { registerCollect } from './commands/collect.ts';
import { registerDemo } from './commands/demo.ts';
import { registerInvoice } from './commands/invoice.ts';
import { registerMargin } from './commands/margin.ts';
import { registerReport } from './commands/month-files.ts';
import { UsageError } from './commands/options.ts';
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
  .addHelpText(
    'after',
    '\nExit status: 0 done; 1 work incomplete (user-days failed or missing, a refused month); 2 bad usage or input.',
  )
  .enablePositionalOptions()
  .exitOverride();

registerDemo(program);
registerCollect(program);
registerInvoice(program);
registerMargin(program);
registerReport(program);
registerReports(program);
registerRuns(program);
registerStatus(program);
registerAlerts(program);
registerServe(program);
registerSim(program);

/** Errors that are the caller's input, not the work: exit 2. */
const USAGE_ERRORS = [
  UsageError,
  RateCardError,
  CostCardError,
  ConfigError,
  E2ConfigError,
  AdminTokensError,
  DataDirInUseError,
];

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander has printed its message already; help and --version exit 0.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  process.stderr.write(`e2-ledger: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(USAGE_ERRORS.some((E) => error instanceof E) ? 2 : 1);
}
