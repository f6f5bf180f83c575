import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { InvoiceRefusedError, type RefusalReason } from '../../lambdas/billing/invoice-errors.ts';
import {
  type DraftResult,
  draftInvoices,
  type InvoicingDeps,
  type IssueResult,
  issueInvoices,
  voidInvoice,
} from '../../lambdas/billing/invoicing.ts';
import { type Currency, Dec, formatMoney } from '../../lambdas/billing/money.ts';
import { netByCustomer } from '../../lambdas/reports/invoice-files.ts';
import type { Stores } from './context.ts';
import { DEFAULT_DATA_DIR, openStores } from './context.ts';
import { cliMonthFiles, printMonthFiles } from './month-files.ts';
import { month, nonNegativeInt, UsageError } from './options.ts';
import { outputTable } from './table.ts';

/** A card file's text (rate card, cost card); an unreadable path is bad input (exit 2). */
export function readCardFile(path: string, what = 'rate card'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

export const DEFAULT_GRACE_DAYS = 3;

export function invoicingDeps(
  stores: Stores,
  options: { graceDays?: number; principal?: string } = {},
): InvoicingDeps {
  return {
    ledger: stores.ledger,
    objects: stores.objects,
    now: () => new Date(),
    principal: options.principal ?? `cli:${userInfo().username}`,
    graceDays: options.graceDays ?? DEFAULT_GRACE_DAYS,
  };
}

/** Refusals about the input (2) and about the data or the moment (1), as the exit codes say. */
const INPUT_REFUSALS: readonly RefusalReason[] = [
  'unknown_override',
  'month_open',
  'invalid_reason',
  'not_found',
  'not_an_invoice',
  'already_credited',
];

/** A refusal in CLI words: what happened and the command that would help. */
export function explainRefusal(error: InvoiceRefusedError): { message: string; exitCode: 1 | 2 } {
  const hint =
    error.detail.collect && (error.reason === 'nothing_collected' || error.reason === 'missing_user_days')
      ? `; run \`e2-ledger collect --from ${error.detail.collect.from} --to ${error.detail.collect.to}\`${error.reason === 'missing_user_days' ? ', or add --draft for a provisional version' : ''}`
      : error.reason === 'month_open'
        ? ' (add --draft for a provisional version)'
        : '';
  return { message: `${error.message}${hint}`, exitCode: INPUT_REFUSALS.includes(error.reason) ? 2 : 1 };
}

const money = (v: string, c: string) => `${v} ${c}`;

export function printIssue(result: IssueResult, top = 10) {
  const net = netByCustomer(result.documents);
  const total = [...net.values()].reduce((t, n) => t.plus(n.total), new Dec(0));
  const c = result.currency as Currency;
  const w = (s: string) => process.stdout.write(`${s}\n`);
  if (result.issue === null) {
    w(
      `${result.month}: nothing to issue: ${result.unchanged.length} invoice(s) match the computation to the cent`,
    );
  } else {
    const notes = result.created.filter((d) => d.type === 'credit_note');
    const invoices = result.created.filter((d) => d.type === 'invoice');
    w(
      `issued ${result.month} (issue ${result.issue}): ${invoices.length} invoice(s), ${notes.length} credit note(s), ${result.unchanged.length} unchanged`,
    );
    const table = outputTable(['document', 'type', 'customer', 'references', 'total']);
    for (const d of result.created.slice(0, top))
      table.push([
        d.number,
        d.type.replace('_', ' '),
        d.email,
        d.references ?? '',
        money(d.amounts.total, d.currency),
      ]);
    w(table.toString());
    if (result.created.length > top)
      w(`  ... and ${result.created.length - top} more (see the issue's documents file)`);
    if (result.files) w(`  ${result.files.documents.key}`);
  }
  if (result.voided.length > 0)
    w(`  voided and not invoiced again: ${result.voided.join(', ')} (--reissue EMAIL invoices one anew)`);
  w(`  ${result.register.register.key}: net ${formatMoney(total, c)} ${c} over ${net.size} customer(s)`);
}

export function printDraft(result: DraftResult) {
  const c = result.currency as Currency;
  const total = result.computation.lines.reduce((t, l) => t.plus(l.amounts.total), new Dec(0));
  process.stdout.write(
    `DRAFT ${result.month} d${result.draft}: ${result.computation.lines.length} customer(s), total ${formatMoney(total, c)} ${c}; nothing issued\n  ${result.files.invoices.key}\n`,
  );
  if (result.computation.missing.length > 0)
    process.stdout.write(
      `  incomplete: ${result.computation.missing.length} customer(s) have missing days (see the draft manifest)\n`,
    );
  if (result.computation.snapshotCount === 0)
    process.stdout.write(`  nothing collected for ${result.month} yet\n`);
}

async function refusing(run: () => Promise<void>) {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof InvoiceRefusedError)) throw error;
    const { message, exitCode } = explainRefusal(error);
    process.stderr.write(`e2-ledger: ${message}\n`);
    process.exitCode = exitCode;
  }
}

export function registerInvoice(program: Command) {
  const invoice = program
    .command('invoice')
    .description("issue a month's invoices (and credit notes for what changed), or a draft")
    .option('--month <month>', 'YYYY-MM', month('--month'))
    .option('--rates <file>', 'rate card JSON (see local/rate-card.example.json)')
    .option(
      '--draft',
      'a provisional version: no numbers, any time, any completeness (invoices/YYYY-MM/drafts/dN/)',
    )
    .option(
      '--grace-days <n>',
      'days after month end before it may be issued',
      nonNegativeInt('--grace-days', 27),
      DEFAULT_GRACE_DAYS,
    )
    .option('--reissue <email...>', 'invoice again customers whose invoice for the month was voided')
    .option(
      '--issuer <file>',
      'who issues (see local/issuer.example.json): a PDF per new document, the FOCUS export',
    )
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Issuing compares the month with what is already issued, customer by customer: a new invoice where
there is none; nothing where the issued invoice matches to the cent; a credit note cancelling the
issued invoice plus a new invoice where the amounts changed. Issued documents never change.
Files: invoices/YYYY-MM/issues/NNNN/ (each issue's documents) and invoices/YYYY-MM/register-YYYY-MM.csv.
Exit status: 0 done, 1 refused for the data (nothing collected, missing user-days), 2 bad input.`,
    )
    .action(
      async (opts: {
        month?: string;
        rates?: string;
        draft?: boolean;
        graceDays: number;
        reissue?: string[];
        issuer?: string;
        dataDir: string;
        json?: boolean;
      }) => {
        if (!opts.month || !opts.rates)
          invoice.error("error: required options '--month <month>' and '--rates <file>'", { exitCode: 2 });
        const rateCardText = readCardFile(opts.rates!);
        const stores = await openStores(opts.dataDir);
        try {
          const deps = invoicingDeps(stores, { graceDays: opts.graceDays });
          await refusing(async () => {
            if (opts.draft) {
              const result = await draftInvoices(deps, { month: opts.month!, rateCardText });
              if (opts.json)
                process.stdout.write(
                  `${JSON.stringify({ month: result.month, draft: result.draft, files: result.files, missing: result.computation.missing }, null, 2)}\n`,
                );
              else printDraft(result);
              return;
            }
            const result = await issueInvoices(deps, {
              month: opts.month!,
              rateCardText,
              reissue: opts.reissue ?? [],
            });
            if (opts.json)
              process.stdout.write(
                `${JSON.stringify({ month: result.month, issue: result.issue, created: result.created, unchanged: result.unchanged.length, voided: result.voided, files: result.files, register: result.register }, null, 2)}\n`,
              );
            else printIssue(result);
            // The month's files for people: a PDF for each new document, the report, workbook and FOCUS.
            const files = await cliMonthFiles(stores, opts.month!, {
              issuer: opts.issuer,
              rates: opts.rates,
            });
            if (!opts.json) printMonthFiles(files, (line) => process.stdout.write(`${line}\n`));
          });
        } finally {
          await stores.close();
        }
      },
    );
  invoice
    .command('void')
    .description('cancel one issued invoice with a credit note (and nothing else)')
    .requiredOption('--number <number>', 'the invoice number, e.g. INV-202610-000002')
    .requiredOption('--reason <text>', 'why (it goes on the credit note and the audit trail)')
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .option('--json', 'print the credit note as JSON')
    .action(async (opts: { number: string; reason: string; dataDir: string; json?: boolean }) => {
      const stores = await openStores(opts.dataDir);
      try {
        await refusing(async () => {
          const { creditNote, register } = await voidInvoice(invoicingDeps(stores), opts);
          if (opts.json) process.stdout.write(`${JSON.stringify(creditNote, null, 2)}\n`);
          else
            process.stdout.write(
              `${creditNote.number} cancels ${creditNote.references} (${money(creditNote.amounts.total, creditNote.currency)}): ${creditNote.reason}\n  ${register.register.key}\n`,
            );
        });
      } finally {
        await stores.close();
      }
    });
}
