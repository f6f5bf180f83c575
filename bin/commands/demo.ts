import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { addMonths, format, parseISO } from 'date-fns';
import { parseCostCard } from '../../lambdas/billing/cost-card.ts';
import { draftInvoices, issuableFrom, issueInvoices } from '../../lambdas/billing/invoicing.ts';
import { computeMargins } from '../../lambdas/billing/margin.ts';
import { formatMoney } from '../../lambdas/billing/money.ts';
import { monthDays } from '../../lambdas/billing/month-invoices.ts';
import { minusDays, utcToday } from '../../lambdas/calendar/days.ts';
import { E2Client } from '../../lambdas/e2/client.ts';
import { writeMarginFiles } from '../../lambdas/reports/margin-files.ts';
import { defaultHistoryStart } from '../../local/simulator/dataset.ts';
import { E2Simulator } from '../../local/simulator/server.ts';
import { dataDirHolder } from '../../local/stores/data-dir-lock.ts';
import { printRun, runWithProgress } from './collect.ts';
import { openLocalStores } from './context.ts';
import { DEFAULT_GRACE_DAYS, invoicingDeps, printDraft, printIssue, readCardFile } from './invoice.ts';
import { cliMonthFiles, printMonthFiles, reportFile } from './month-files.ts';
import { positiveInt, UsageError } from './options.ts';

const RATE_CARD = new URL('../../local/rate-card.example.json', import.meta.url).pathname;
const COST_CARD = new URL('../../local/cost-card.example.json', import.meta.url).pathname;
const ISSUER = new URL('../../local/issuer.example.json', import.meta.url).pathname;
/** Written into every directory the demo creates: the only kind it will ever delete. */
export const DEMO_MARKER = '.e2-ledger-demo';

/**
 * Starts the demo's directory afresh, deleting it only when the demo made it (it holds the marker).
 * Anything else there is refused with the reason, and nothing is touched.
 */
export function prepareDemoDir(dir: string) {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new UsageError(`--data-dir ${dir} is a file, not a directory; nothing was touched`);
    const holder = dataDirHolder(dir);
    if (holder)
      throw new UsageError(
        `--data-dir ${dir} is in use by e2-ledger ${holder.command} (pid ${holder.pid}); nothing was touched`,
      );
    if (existsSync(join(dir, DEMO_MARKER))) rmSync(dir, { recursive: true, force: true });
    else if (readdirSync(dir).length > 0)
      throw new UsageError(
        `--data-dir ${dir} exists and was not made by e2-ledger demo (no ${DEMO_MARKER} in it), so the demo will not wipe it; choose another directory or remove it yourself. Nothing was touched.`,
      );
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, DEMO_MARKER),
    'made by e2-ledger demo; it deletes this directory when it starts again\n',
  );
}

export function registerDemo(program: Command) {
  program
    .command('demo')
    .description(
      'the whole job end to end on the embedded default: simulated IDrive e2, local DynamoDB and S3',
    )
    .option('--users <n>', 'simulated customers', positiveInt('--users', 100_000), 25)
    .option(
      '--data-dir <dir>',
      'where the demo keeps its data (a directory the demo made is started afresh)',
      '.e2-ledger/demo',
    )
    .option(
      '--concurrency <n>',
      'IDrive requests in flight at once (users and days side by side)',
      positiveInt('--concurrency', 256),
      16,
    )
    .option('--json', 'print the run as JSON')
    .action(async (opts: { users: number; dataDir: string; concurrency: number; json?: boolean }) => {
      prepareDemoDir(opts.dataDir);
      const started = Date.now();
      const today = utcToday(new Date());
      const token = 'demo-token-not-secret';
      const sim = new E2Simulator({ users: opts.users, seed: 42, token, today });
      const url = await sim.start(0);
      // The demo's own client and stores, whatever E2_API_URL or E2L_TABLE say: never a real ledger.
      const e2 = new E2Client({ apiUrl: url, token }, { maxConcurrency: opts.concurrency });
      const stores = await openLocalStores(opts.dataDir);
      const from = defaultHistoryStart(today);
      const to = minusDays(today, 1);
      const say = (text: string) => !opts.json && process.stdout.write(`${text}\n`);
      say(`e2-ledger demo: simulated IDrive e2 API at ${url} with ${opts.users} customers`);
      say(`collecting ${from} .. ${to} (every day the simulator has)\n`);
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
        say('  audit:       audit/activity/YYYY/MM/DD/activity-YYYY-MM-DD.csv');
        say('  invoices:    invoices/YYYY-MM/issues/NNNN/ and invoices/YYYY-MM/register-YYYY-MM.csv (below)');
        if (stores.localReportsDir) say(`  on disk:     ${stores.localReportsDir}/`);
        say(`  status:           npx e2-ledger status --data-dir ${opts.dataDir}`);
        say(`  runs:             npx e2-ledger runs --data-dir ${opts.dataDir}`);
        // Issue every month that is closed (plus its grace days); draft the ones still open.
        const deps = invoicingDeps(stores, { principal: 'demo' });
        const card = readCardFile(RATE_CARD);
        for (
          let month = from.slice(0, 7);
          month <= to.slice(0, 7);
          month = format(addMonths(parseISO(`${month}-01`), 1), 'yyyy-MM')
        ) {
          if (issuableFrom(DEFAULT_GRACE_DAYS, monthDays(month)) <= today) {
            say(`\nissuing ${month} with local/rate-card.example.json\n`);
            const issued = await issueInvoices(deps, { month, rateCardText: card });
            if (!opts.json) printIssue(issued, 5);
            say(
              `  download it: npx e2-ledger reports download --month ${month} --out reports-out --data-dir ${opts.dataDir}`,
            );
            const costs = parseCostCard(readCardFile(COST_CARD, 'cost card'));
            const margins = await computeMargins(stores.ledger, month, costs.card);
            const files = await writeMarginFiles(stores.objects, margins, {
              costCardSha256: costs.sha256,
              storageUnit: costs.card.storage.unit,
              generatedAt: new Date().toISOString(),
            });
            const t = margins.totals;
            say(
              `  margin against local/cost-card.example.json (example figures): ${formatMoney(t.margin, margins.currency)} ${margins.currency} on revenue ${formatMoney(t.revenue, margins.currency)} (${t.marginPct?.toFixed(2) ?? '-'}%), ${t.negativeMarginCustomers} negative; ${files.margin.key}`,
            );
            const monthFiles = await cliMonthFiles(stores, month, {
              issuer: ISSUER,
              rates: RATE_CARD,
              costs: COST_CARD,
            });
            if (!opts.json) printMonthFiles(monthFiles, say);
            say(`  monthly report:   open ${await reportFile(stores, monthFiles.report.key, opts.dataDir)}`);
          } else {
            say(`\n${month} is still open for late data: a draft instead\n`);
            const draft = await draftInvoices(deps, { month, rateCardText: card });
            if (!opts.json) printDraft(draft);
          }
        }
        process.exitCode = result.summary.status === 'succeeded' ? 0 : 1;
      } finally {
        await e2.close();
        await stores.close();
        await sim.stop();
      }
    });
}
