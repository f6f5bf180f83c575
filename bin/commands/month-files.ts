import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseCostCard } from '../../lambdas/billing/cost-card.ts';
import { computeMargins, MarginRefusedError } from '../../lambdas/billing/margin.ts';
import { parseRateCard, type RateCard } from '../../lambdas/billing/rate-card.ts';
import { IssuerConfigError, parseIssuer } from '../../lambdas/documents/issuer.ts';
import {
  type MonthFiles,
  type MonthFilesDeps,
  writeMonthFiles,
} from '../../lambdas/documents/month-files.ts';
import { loadDocumentFonts } from '../../lambdas/wiring/document-fonts.ts';
import { DEFAULT_DATA_DIR, openStores, type Stores } from './context.ts';
import { readCardFile } from './invoice.ts';
import { month, UsageError } from './options.ts';

export type MonthFilesOptions = {
  readonly issuer?: string;
  readonly rates?: string;
  readonly costs?: string;
};

/** The issuer file and its logo (a path beside it); a bad file is bad input (exit 2). */
function readIssuer(path: string): Pick<MonthFilesDeps, 'issuer' | 'logo'> {
  let issuer: MonthFilesDeps['issuer'];
  try {
    issuer = parseIssuer(readCardFile(path, 'issuer config'));
  } catch (error) {
    if (error instanceof IssuerConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (!issuer?.logo) return { issuer, logo: null };
  const logoPath = resolve(dirname(path), issuer.logo);
  let bytes: Buffer;
  try {
    bytes = readFileSync(logoPath);
  } catch (error) {
    throw new UsageError(
      `cannot read the logo ${logoPath} named in ${path}: ${(error as NodeJS.ErrnoException).code}`,
    );
  }
  return { issuer, logo: { bytes, format: /\.png$/i.test(logoPath) ? 'PNG' : 'JPEG' } };
}

/** Writes the month's files for people from the CLI (report, PDFs, workbook, FOCUS). */
export async function cliMonthFiles(
  stores: Stores,
  monthValue: string,
  opts: MonthFilesOptions,
): Promise<MonthFiles> {
  const issuerFile = opts.issuer ?? process.env.E2L_ISSUER_FILE?.trim();
  const who = issuerFile ? readIssuer(issuerFile) : { issuer: null, logo: null };
  const rateCards = new Map<string, RateCard>();
  if (opts.rates) {
    const r = parseRateCard(readCardFile(opts.rates));
    rateCards.set(r.sha256, r.card);
  }
  let margin = null;
  if (opts.costs) {
    const costs = parseCostCard(readCardFile(opts.costs, 'cost card'));
    margin = await computeMargins(stores.ledger, monthValue, costs.card).catch((error: unknown) => {
      if (error instanceof MarginRefusedError) return null;
      throw error;
    });
  }
  return writeMonthFiles(
    {
      ledger: stores.ledger,
      objects: stores.objects,
      now: () => new Date(),
      ...who,
      fonts: loadDocumentFonts(),
      rateCards,
    },
    monthValue,
    { margin },
  );
}

/** A copy of the report as a real .html file (s3rver keeps objects under other names), for a browser. */
export async function reportFile(stores: Stores, key: string, dir: string): Promise<string> {
  const html = await stores.objects.getText(key);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, key.split('/').pop()!);
  writeFileSync(path, html ?? '');
  return path;
}

export function printMonthFiles(files: MonthFiles, say: (line: string) => void) {
  say(`  report:   ${files.report.key}`);
  if (files.workbook) say(`  workbook: ${files.workbook.key}`);
  if (files.focus) say(`  FOCUS:    ${files.focus.key}`);
  if (files.pdfsWritten.length + files.pdfsExisting > 0)
    say(
      `  PDFs:     invoices/${files.month}/documents/ (${files.pdfsWritten.length} written, ${files.pdfsExisting} already issued as PDF)`,
    );
  for (const s of files.skipped) say(`  not written: ${s}`);
}

export function registerReport(program: Command) {
  program
    .command('report')
    .description("write a month's files for people: HTML report, invoice PDFs, Excel workbook, FOCUS export")
    .requiredOption('--month <month>', 'YYYY-MM', month('--month'))
    .option(
      '--issuer <file>',
      'who issues the invoices (see local/issuer.example.json); needed for PDFs and FOCUS',
    )
    .option('--rates <file>', "the month's rate card, for the storage tiers on the PDFs")
    .option('--costs <file>', 'the wholesale cost card, for the margin section')
    .option('--open', 'open the HTML report in a browser')
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .action(
      async (opts: {
        month: string;
        issuer?: string;
        rates?: string;
        costs?: string;
        open?: boolean;
        dataDir: string;
      }) => {
        const stores = await openStores(opts.dataDir);
        try {
          const files = await cliMonthFiles(stores, opts.month, opts);
          const say = (line: string) => process.stdout.write(`${line}\n`);
          say(`${opts.month}:`);
          printMonthFiles(files, say);
          const local = await reportFile(stores, files.report.key, join(opts.dataDir, 'reports'));
          say(`  open:     ${local}`);
          if (opts.open) {
            const opener =
              process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
            spawn(opener, [local], { stdio: 'ignore', detached: true })
              .on('error', () => say(`  (no ${opener} here: open the file above in a browser)`))
              .unref();
          }
        } finally {
          await stores.close();
        }
      },
    );
}
