import type { Command } from 'commander';
import { parseCostCard } from '../../lambdas/billing/cost-card.ts';
import { computeMargins, MarginRefusedError, type MarginReport } from '../../lambdas/billing/margin.ts';
import { formatMoney } from '../../lambdas/billing/money.ts';
import { monthDays } from '../../lambdas/billing/month-invoices.ts';
import { parseRateCard } from '../../lambdas/billing/rate-card.ts';
import { marginReportJson, writeMarginFiles } from '../../lambdas/reports/margin-files.ts';
import { DEFAULT_DATA_DIR, openStores } from './context.ts';
import { readCardFile } from './invoice.ts';
import { amount, month, UsageError } from './options.ts';
import { outputTable } from './table.ts';

function printMargin(report: MarginReport, files: readonly string[]) {
  const c = report.currency;
  const m = (v: Parameters<typeof formatMoney>[0]) => `${formatMoney(v, c)} ${c}`;
  const w = (s: string) => process.stdout.write(`${s}\n`);
  const t = report.totals;
  w(
    `${report.month}: ${report.rows.length} customer(s), revenue ${m(t.revenue)} (net of ${report.documents} issued document(s), before tax)`,
  );
  w(
    `  modelled cost ${m(t.totalCost)}: storage ${m(t.storageCost)}${report.bill.minimumApplied ? ' (monthly minimum)' : ''}, deleted storage ${m(t.deletedStorageCost)} (estimate; oldest-first ${m(report.bill.deletedStorageOldestFirst)}), per-user fee ${m(t.userFeeCost)}, egress ${m(t.egressCost)}`,
  );
  w(
    `  margin ${m(t.margin)}${t.marginPct ? ` (${t.marginPct.toFixed(2)}%)` : ''}; ${t.negativeMarginCustomers} customer(s) with a negative margin`,
  );
  const table = outputTable(['lowest margins', 'revenue', 'cost', 'margin', '%']);
  for (const r of report.lowest)
    table.push([r.email, m(r.revenue), m(r.totalCost), m(r.margin), r.marginPct?.toFixed(2) ?? '']);
  w(table.toString());
  const rec = report.reconciliation;
  if (rec) {
    w(
      `  provider bill ${m(rec.providerBill)} vs modelled ${m(rec.modelled)}: difference ${m(rec.difference)}${rec.explained ? '' : ' (not explained by the model)'}`,
    );
    for (const e of rec.explanations) w(`    - ${e}`);
  }
  w('  deleted storage is an estimate from daily totals (newest bytes deleted first); see the summary file');
  for (const f of files) w(`  ${f}`);
}

export function registerMargin(program: Command) {
  const command = program
    .command('margin')
    .description(
      "a month's margin per customer: revenue from issued documents against the wholesale cost card",
    )
    .option('--month <month>', 'YYYY-MM (issued already)', month('--month'))
    .option('--rates <file>', 'the rate card the month was invoiced with (its currency is checked)')
    .option('--costs <file>', 'wholesale cost card JSON (see local/cost-card.example.json)')
    .option(
      '--provider-bill <amount>',
      "the provider's invoice for the month, to reconcile with the model",
      amount('--provider-bill'),
    )
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Writes invoices/YYYY-MM/margin-YYYY-MM.csv (one row per customer), margin-summary-YYYY-MM.csv and a
manifest. Revenue is each customer's net of issued invoices and credit notes before tax; costs model
the provider's bill from the cost card (active storage with the account's monthly minimum, an
estimate of deleted storage under the minimum duration, the per-user fee, egress).
Exit status: 0 done, 1 refused for the data (month not issued, missing user-days), 2 bad input.`,
    )
    .action(
      async (opts: {
        month?: string;
        rates?: string;
        costs?: string;
        providerBill?: string;
        dataDir: string;
        json?: boolean;
      }) => {
        if (!opts.month || !opts.rates || !opts.costs)
          command.error("error: required options '--month <month>', '--rates <file>' and '--costs <file>'", {
            exitCode: 2,
          });
        const rates = parseRateCard(readCardFile(opts.rates!));
        const costText = readCardFile(opts.costs!, 'cost card');
        const costs = parseCostCard(costText);
        if (rates.card.currency !== costs.card.currency)
          throw new UsageError(
            `the rate card is in ${rates.card.currency} and the cost card in ${costs.card.currency}: margins need one currency`,
          );
        const stores = await openStores(opts.dataDir);
        try {
          const report = await computeMargins(stores.ledger, opts.month!, costs.card, {
            ...(opts.providerBill ? { providerBill: opts.providerBill } : {}),
          });
          const files = await writeMarginFiles(stores.objects, report, {
            costCardSha256: costs.sha256,
            storageUnit: costs.card.storage.unit,
            generatedAt: new Date().toISOString(),
          });
          if (opts.json)
            process.stdout.write(
              `${JSON.stringify({ ...marginReportJson(report), files: [files.margin.key, files.summary.key, files.manifest.key] }, null, 2)}\n`,
            );
          else printMargin(report, [files.margin.key, files.summary.key]);
        } catch (error) {
          if (!(error instanceof MarginRefusedError)) throw error;
          const hint =
            error.reason === 'not_issued'
              ? ` (run \`e2-ledger invoice --month ${opts.month} --rates ${opts.rates}\`)`
              : error.reason === 'missing_user_days'
                ? ` (run \`e2-ledger collect --from ${monthDays(opts.month!)[0]} --to ${monthDays(opts.month!).at(-1)}\`)`
                : '';
          process.stderr.write(`e2-ledger: ${error.message}${hint}\n`);
          process.exitCode = error.reason === 'currency_mismatch' ? 2 : 1;
        } finally {
          await stores.close();
        }
      },
    );
}
