import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { generateInvoices, type InvoiceResult } from '../../lambdas/billing/generate-invoices.ts';
import type { Currency } from '../../lambdas/billing/money.ts';
import { Dec, formatMoney } from '../../lambdas/billing/money.ts';
import type { Stores } from './context.ts';
import { DEFAULT_DATA_DIR, openStores } from './context.ts';
import { month } from './options.ts';
import { outputTable } from './table.ts';

export function readRateCardFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read rate card ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

export async function invoiceMonth(
  stores: Stores,
  monthValue: string,
  rateCardText: string,
  draft: boolean,
): Promise<InvoiceResult> {
  return generateInvoices(
    { ledger: stores.ledger, objects: stores.objects, now: () => new Date() },
    { month: monthValue, rateCardText, draft },
  );
}

export function printInvoices(result: InvoiceResult, top: number) {
  const c = result.currency as Currency;
  const total = result.lines.reduce((t, l) => t.plus(l.amounts.total), new Dec(0));
  process.stdout.write(
    `${result.draft ? 'DRAFT ' : ''}invoices for ${result.month}, version v${result.version}: ${result.lines.length} customer(s), total ${formatMoney(total, c)} ${c}\n`,
  );
  process.stdout.write(
    `  ${result.files.invoices.key}\n  ${result.files.summary.key}\n  ${result.files.manifest.key}\n`,
  );
  if (result.missing.length > 0)
    process.stdout.write(
      `  incomplete: ${result.missing.length} customer(s) have missing days (see the manifest)\n`,
    );
  const table = outputTable(['invoice', 'customer', 'storage', 'downloads', 'tax', 'total']);
  const ranked = [...result.lines].sort((a, b) => b.amounts.total.comparedTo(a.amounts.total)).slice(0, top);
  for (const l of ranked) {
    table.push([
      l.invoiceNumber,
      l.email,
      formatMoney(l.amounts.storageAmount, c),
      formatMoney(l.amounts.downloadAmount, c),
      formatMoney(l.amounts.tax, c),
      `${formatMoney(l.amounts.total, c)} ${c}`,
    ]);
  }
  if (ranked.length > 0) process.stdout.write(`top customers by total:\n${table.toString()}\n`);
}

export function registerInvoice(program: Command) {
  program
    .command('invoice')
    .description("generate a month's invoices from the daily snapshots and a rate card")
    .requiredOption('--month <month>', 'YYYY-MM', month('--month'))
    .requiredOption('--rates <file>', 'rate card JSON (see local/rate-card.example.json)')
    .option('--draft', 'produce a version marked draft even with missing days or before the month is over')
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nEach run writes invoices/YYYY-MM/vN/ (a new version N; earlier versions stay). Numbers stay with each customer across versions.',
    )
    .action(
      async (opts: { month: string; rates: string; draft?: boolean; dataDir: string; json?: boolean }) => {
        const rateCardText = readRateCardFile(opts.rates);
        const stores = await openStores(opts.dataDir);
        try {
          const result = await invoiceMonth(stores, opts.month, rateCardText, Boolean(opts.draft));
          if (opts.json) {
            process.stdout.write(
              `${JSON.stringify({ month: result.month, version: result.version, draft: result.draft, customers: result.lines.length, files: result.files, missing: result.missing }, null, 2)}\n`,
            );
          } else printInvoices(result, 10);
        } finally {
          await stores.close();
        }
      },
    );
}
