import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { format, startOfMonth, subMonths } from 'date-fns';
import { minusDays, utcToday } from '../../lambdas/calendar/days.ts';
import { E2Simulator } from '../../local/simulator/server.ts';
import { printRun, runWithProgress } from './collect.ts';
import { openE2, openStores } from './context.ts';
import { invoiceMonth, printInvoices, readRateCardFile } from './invoice.ts';
import { positiveInt } from './options.ts';

const RATE_CARD = new URL('../../local/rate-card.example.json', import.meta.url).pathname;

export function registerDemo(program: Command) {
  program
    .command('demo')
    .description(
      'the whole job end to end on the embedded default: simulated IDrive e2, local DynamoDB and S3',
    )
    .option('--users <n>', 'simulated customers', positiveInt('--users', 100_000), 25)
    .option('--data-dir <dir>', 'where the demo keeps its data (wiped first)', '.e2-ledger/demo')
    .option('--concurrency <n>', 'users collected at once', positiveInt('--concurrency', 256), 16)
    .option('--json', 'print the run as JSON')
    .action(async (opts: { users: number; dataDir: string; concurrency: number; json?: boolean }) => {
      const started = Date.now();
      const token = 'demo-token-not-secret';
      const sim = new E2Simulator({ users: opts.users, seed: 42, token });
      const url = await sim.start(0);
      process.env.E2_API_URL = url;
      process.env.E2_API_TOKEN = token;
      // The demo owns its directory: start clean so every demo shows the same thing.
      rmSync(opts.dataDir, { recursive: true, force: true });
      const today = utcToday(new Date());
      const from = format(startOfMonth(subMonths(new Date(`${today}T00:00:00Z`), 1)), 'yyyy-MM-dd');
      const to = minusDays(today, 1);
      const say = (text: string) => !opts.json && process.stdout.write(`${text}\n`);
      say(`e2-ledger demo: simulated IDrive e2 API at ${url} with ${opts.users} customers`);
      say(`collecting ${from} .. ${to} (the last full month and this month to date)\n`);
      const e2 = openE2({ maxConcurrency: opts.concurrency });
      const stores = await openStores(opts.dataDir);
      try {
        const result = await runWithProgress(
          e2,
          stores,
          { kind: 'backfill', from, to },
          { concurrency: opts.concurrency, recollectDays: 3, label: 'collecting' },
        );
        printRun(result, opts.json, Date.now() - started);
        say(`\nReports (${stores.where}):`);
        say(
          `  daily usage: usage/daily/YYYY/MM/DD/usage-YYYY-MM-DD.csv  (${result.summary.exportedDays.length} days)`,
        );
        say(`  audit:       audit/activity/YYYY/MM/DD/activity-YYYY-MM-DD.csv`);
        say(`  invoices:    invoices/YYYY-MM/vN/invoices-YYYY-MM.csv (below)`);
        if (stores.localReportsDir) say(`  on disk:     ${stores.localReportsDir}/`);
        say(
          `  download a month: npx e2-ledger reports download --month ${from.slice(0, 7)} --out reports-out --data-dir ${opts.dataDir}`,
        );
        say(`  runs:             npx e2-ledger runs --data-dir ${opts.dataDir}`);
        const lastMonth = from.slice(0, 7);
        say(`\ninvoicing ${lastMonth} with local/rate-card.example.json\n`);
        const invoices = await invoiceMonth(stores, lastMonth, readRateCardFile(RATE_CARD), false);
        if (!opts.json) printInvoices(invoices, 5);
        process.exitCode = result.summary.status === 'succeeded' ? 0 : 1;
      } finally {
        await e2.close();
        await stores.close();
        await sim.stop();
      }
    });
}
