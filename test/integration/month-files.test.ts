import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCostCard } from '../../lambdas/billing/cost-card.ts';
import { issueInvoices, voidInvoice } from '../../lambdas/billing/invoicing.ts';
import { computeMargins } from '../../lambdas/billing/margin.ts';
import { parseRateCard } from '../../lambdas/billing/rate-card.ts';
import { runCollection } from '../../lambdas/collect/run-collection.ts';
import { FOCUS_COLUMNS } from '../../lambdas/documents/focus-export.ts';
import { parseIssuer } from '../../lambdas/documents/issuer.ts';
import { type MonthFiles, writeMonthFiles } from '../../lambdas/documents/month-files.ts';
import type { InvoiceDocument } from '../../lambdas/ledger/invoice-documents.ts';
import { parseCsv } from '../../lambdas/reports/csv.ts';
import { invoiceKeys, REGISTER_COLUMNS } from '../../lambdas/reports/layout.ts';
import { writeMarginFiles } from '../../lambdas/reports/margin-files.ts';
import { loadDocumentFonts } from '../../lambdas/wiring/document-fonts.ts';
import { commandWorks } from '../support/aws/processes.ts';
import { startLedger } from '../support/ledger.ts';

// Issue 15: the month's files for people, each checked the way its reader meets it: the HTML report
// in a real browser, the PDFs by their extracted text, the workbook read back by another library
// (exceljs), the FOCUS export summed per customer against the register.

const MONTH = '2026-10';
const local = (f: string) => new URL(`../../local/${f}`, import.meta.url);
const RATE_TEXT = readFileSync(local('rate-card.example.json'), 'utf8');
const rate = parseRateCard(RATE_TEXT);
const issuer = parseIssuer(readFileSync(local('issuer.example.json'), 'utf8'));
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const hasPdftotext = commandWorks('pdftotext', ['-v']);
const required = process.env.E2L_REQUIRE_DOCUMENT_TOOLS === '1';

let env: Awaited<ReturnType<typeof startLedger>>;
let files: MonthFiles;
let documents: InvoiceDocument[];
let dir: string;
let margin: Awaited<ReturnType<typeof computeMargins>>;

const deps = () => ({
  ledger: env.ledger,
  objects: env.objects,
  now: () => new Date('2026-11-05T07:00:00Z'),
  issuer,
  logo: { bytes: readFileSync(local('issuer-logo.example.png')), format: 'PNG' as const },
  fonts: loadDocumentFonts(),
  rateCards: new Map([[rate.sha256, rate.card]]),
});
const invoicing = {
  now: () => new Date('2026-11-05T06:00:00Z'),
  principal: 'test:finance',
  graceDays: 3,
};

/** The register's net per customer and in all, in cents (from the CSV finance downloads). */
async function registerNet() {
  const rows = parseCsv((await env.text(invoiceKeys.register(MONTH)))!);
  const c = (n: (typeof REGISTER_COLUMNS)[number]) => REGISTER_COLUMNS.indexOf(n);
  const cents = (v: string) => Math.round(Number(v) * 100);
  const byEmail = new Map<string, number>();
  let subtotal = 0;
  let total = 0;
  for (const r of rows.slice(1)) {
    byEmail.set(r[c('email')]!, (byEmail.get(r[c('email')]!) ?? 0) + cents(r[c('total')]!));
    subtotal += cents(r[c('subtotal')]!);
    total += cents(r[c('total')]!);
  }
  return { byEmail, subtotal, total };
}

beforeAll(async () => {
  env = await startLedger({ seed: 77, users: 14, today: '2026-11-05' });
  dir = mkdtempSync(join(tmpdir(), 'e2l-month-files-'));
  await runCollection(env.deps({ now: () => new Date('2026-11-05T02:00:00Z') }), {
    kind: 'backfill',
    from: '2026-10-01',
    to: '2026-10-31',
  });
  const ledgerDeps = { ...invoicing, ledger: env.ledger, objects: env.objects };
  const first = await issueInvoices(ledgerDeps, { month: MONTH, rateCardText: RATE_TEXT });
  // A correction: one invoice voided (a credit note) and issued anew.
  const target = first.created[1]!;
  await voidInvoice(ledgerDeps, { number: target.number, reason: 'customer disputed the storage figure' });
  await issueInvoices(ledgerDeps, { month: MONTH, rateCardText: RATE_TEXT, reissue: [target.email] });
  documents = await env.ledger.monthDocuments(MONTH);
  const costs = parseCostCard(readFileSync(local('cost-card.example.json'), 'utf8'));
  margin = await computeMargins(env.ledger, MONTH, costs.card);
  await writeMarginFiles(env.objects, margin, {
    costCardSha256: costs.sha256,
    storageUnit: 'TB',
    generatedAt: 'x',
  });
  files = await writeMonthFiles(deps(), MONTH, { margin });
}, 120_000);

afterAll(async () => {
  await env?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the month files', () => {
  it('are all written, one PDF per issued document, and a PDF is never rewritten', async () => {
    expect(documents.map((d) => d.type).filter((t) => t === 'credit_note')).toHaveLength(1);
    expect([...files.pdfsWritten].sort()).toEqual(
      documents.map((d) => invoiceKeys.documentPdf(MONTH, d.number)).sort(),
    );
    expect(files.skipped).toEqual([]);
    const before = await env.sha(files.pdfsWritten[0]!);
    const again = await writeMonthFiles({ ...deps(), issuer: { ...issuer, name: 'Renamed Ltd' } }, MONTH, {
      margin,
    });
    expect(again.pdfsWritten).toEqual([]);
    expect(again.pdfsExisting).toBe(documents.length);
    expect(await env.sha(files.pdfsWritten[0]!)).toBe(before);
  });
});

describe('a month-files run that must stop early', () => {
  it('leaves the remaining PDFs to the next run, which writes exactly those', async () => {
    const month = '2026-09';
    await runCollection(env.deps({ now: () => new Date('2026-11-05T02:00:00Z') }), {
      kind: 'backfill',
      from: '2026-09-01',
      to: '2026-09-30',
    });
    const issued = await issueInvoices(
      { ...invoicing, ledger: env.ledger, objects: env.objects },
      { month, rateCardText: RATE_TEXT },
    );
    expect(issued.created.length).toBeGreaterThan(5);
    let rendered = 0;
    const first = await writeMonthFiles(deps(), month, { stopPdfs: () => rendered++ >= 3 });
    expect(first.pdfsWritten).toHaveLength(3);
    expect(first.pdfsRemaining).toBe(issued.created.length - 3);
    const second = await writeMonthFiles(deps(), month);
    expect(second.pdfsExisting).toBe(3);
    expect(second.pdfsWritten).toHaveLength(issued.created.length - 3);
    expect(second.pdfsRemaining).toBe(0);
  });
});

describe.runIf(hasPdftotext || required)('invoice PDFs, read back as text', () => {
  it('carry the number, the customer, the period and the register amounts to the cent', async () => {
    expect(documents.length).toBeGreaterThan(8);
    for (const d of documents) {
      const path = join(dir, `${d.number}.pdf`);
      writeFileSync(path, (await env.objects.getBytes(invoiceKeys.documentPdf(MONTH, d.number)))!);
      const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
      expect(text, d.number).toContain(d.type === 'credit_note' ? 'CREDIT NOTE' : 'INVOICE');
      expect(text).toContain(d.number);
      expect(text).toContain(d.email);
      expect(text).toContain(`${d.periodStart} to ${d.periodEnd}`);
      expect(text).toMatch(new RegExp(`Total\\s+${d.amounts.total.replace('.', '\\.')} ${d.currency}`));
      expect(text).toMatch(new RegExp(`Subtotal\\s+${d.amounts.subtotal.replace('.', '\\.')} ${d.currency}`));
      expect(text).toContain(issuer.name);
      if (d.type === 'credit_note') expect(text).toMatch(new RegExp(`Cancels invoice\\s+${d.references}`));
    }
  });
});

describe('the Excel workbook, read back by another library', () => {
  it('has the four sheets, frozen headers and filters, amounts as currency numbers and exact byte counts as text', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from((await env.objects.getBytes(files.workbook!.key))!) as never);
    expect(book.worksheets.map((w) => w.name)).toEqual(['Invoices', 'Register', 'Usage', 'Summary']);
    for (const w of book.worksheets) {
      expect(w.views[0], w.name).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(w.autoFilter, w.name).toBeTruthy();
    }
    const sheet = book.getWorksheet('Invoices')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    const col = (name: string) => header.indexOf(name) + 1;
    expect(sheet.rowCount - 1).toBe(documents.length);
    const byNumber = new Map(documents.map((d) => [d.number, d]));
    for (let r = 2; r <= sheet.rowCount; r++) {
      const row = sheet.getRow(r);
      const d = byNumber.get(String(row.getCell(col('Number')).value))!;
      expect(d).toBeDefined();
      const total = row.getCell(col('Total'));
      expect(typeof total.value).toBe('number');
      expect((total.value as number).toFixed(2)).toBe(d.amounts.total);
      expect(total.numFmt).toContain(d.currency);
      // 16-digit byte counts survive exactly as text; the GB column is a number for sums.
      expect(row.getCell(col('Avg storage bytes')).value).toBe(d.usage.avgStorageBytes);
      expect(typeof row.getCell(col('Avg storage GB')).value).toBe('number');
      expect(row.getCell(col('Issued')).value).toBeInstanceOf(Date);
    }
    const usage = book.getWorksheet('Usage')!;
    let stored = 0;
    for (const day of ['2026-10-01', '2026-10-15', '2026-10-31'])
      for await (const page of env.ledger.snapshotsForDay(day)) stored += page.length;
    expect(stored).toBeGreaterThan(10);
    const rows = (usage.getSheetValues() as unknown[][]).slice(2);
    const onDays = rows.filter((r) =>
      ['2026-10-01', '2026-10-15', '2026-10-31'].includes((r[1] as Date).toISOString().slice(0, 10)),
    );
    expect(onDays).toHaveLength(stored);
  });
});

describe('the FOCUS 1.2 export', () => {
  it("has every mandatory column, sums per customer to the register's net, and marks corrections", async () => {
    const rows = parseCsv((await env.text(files.focus!.key))!);
    const header = rows[0]!;
    expect(header).toEqual([...FOCUS_COLUMNS]);
    for (const mandatory of [
      'BilledCost',
      'BillingAccountId',
      'BillingAccountName',
      'BillingCurrency',
      'BillingPeriodEnd',
      'BillingPeriodStart',
      'ChargeCategory',
      'ChargeClass',
      'ChargeDescription',
      'ChargePeriodEnd',
      'ChargePeriodStart',
      'ContractedCost',
      'EffectiveCost',
      'InvoiceIssuerName',
      'ListCost',
      'PricingQuantity',
      'PricingUnit',
      'ProviderName',
      'PublisherName',
      'ServiceCategory',
      'ServiceName',
    ])
      expect(header).toContain(mandatory);
    const c = (n: (typeof FOCUS_COLUMNS)[number]) => header.indexOf(n);
    const body = rows.slice(1);
    expect(body.length).toBeGreaterThan(documents.length * 20); // daily rows
    const sums = new Map<string, number>();
    for (const r of body) {
      sums.set(
        r[c('SubAccountId')]!,
        (sums.get(r[c('SubAccountId')]!) ?? 0) + Math.round(Number(r[c('BilledCost')]) * 100),
      );
      expect(r[c('BillingPeriodStart')]).toBe('2026-10-01T00:00:00Z');
      expect(r[c('BillingPeriodEnd')]).toBe('2026-11-01T00:00:00Z');
      expect(r[c('ChargePeriodStart')]).toMatch(/^2026-10-\d\dT00:00:00Z$/);
      expect(['Usage', 'Credit', 'Adjustment', 'Tax']).toContain(r[c('ChargeCategory')]);
      // PricingUnit is null exactly when PricingQuantity is; both null for tax.
      expect(r[c('PricingUnit')] === '').toBe(r[c('PricingQuantity')] === '');
      if (r[c('ChargeCategory')] === 'Tax') expect(r[c('PricingQuantity')]).toBe('');
      for (const cost of ['ListCost', 'ContractedCost', 'EffectiveCost'] as const)
        expect(r[c(cost)]).toBe(r[c('BilledCost')]);
    }
    const { byEmail } = await registerNet();
    expect(Object.fromEntries(sums)).toEqual(Object.fromEntries(byEmail));
    const credit = documents.find((d) => d.type === 'credit_note')!;
    const creditRows = body.filter((r) => r[c('InvoiceId')] === credit.number);
    expect(creditRows.length).toBeGreaterThan(20);
    expect(new Set(creditRows.map((r) => r[c('ChargeClass')]))).toEqual(new Set(['Correction']));
    // Per day, the cancelled invoice and its credit note net to zero.
    const cancelled = body.filter((r) => r[c('InvoiceId')] === credit.references);
    const perDay = new Map<string, number>();
    for (const r of [...cancelled, ...creditRows]) {
      const k = `${r[c('ChargePeriodStart')]} ${r[c('SkuId')]} ${r[c('ChargeCategory')]}`;
      perDay.set(k, (perDay.get(k) ?? 0) + Math.round(Number(r[c('BilledCost')]) * 100));
    }
    expect([...perDay.values()].every((v) => v === 0)).toBe(true);
    const untouched = documents.find(
      (d) => d.type === 'invoice' && d.issue === 1 && d.number !== credit.references,
    )!;
    expect(
      new Set(body.filter((r) => r[c('InvoiceId')] === untouched.number).map((r) => r[c('ChargeClass')])),
    ).toEqual(new Set(['']));
  });
});

describe.runIf(Boolean(CHROMIUM) || required)('the HTML report, in a real browser', () => {
  it('loads with no console error and no outside request, shows both charts, and its totals equal the CSVs', async () => {
    expect(CHROMIUM, 'chromium is not installed (apt-get install chromium)').toBeDefined();
    const { default: puppeteer } = await import('puppeteer-core');
    const path = join(dir, 'report.html');
    writeFileSync(path, (await env.text(files.report.key))!);
    const url = pathToFileURL(path).href;
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM!,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warn') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      await page.setRequestInterception(true);
      page.on('request', (r) => {
        requests.push(r.url());
        if (r.url() === url) void r.continue();
        else void r.abort();
      });
      await page.setViewport({ width: 1280, height: 900 });
      await page.goto(url, { waitUntil: 'load' });
      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
      const charts = await page.$$eval('svg[data-chart]', (els) =>
        els.map((e) => ({
          id: e.getAttribute('data-chart'),
          marks: e.querySelectorAll('path, rect, circle').length,
        })),
      );
      expect(charts.map((x) => x.id)).toEqual(['storage-per-day', 'revenue-by-customer']);
      for (const chart of charts) expect(chart.marks, chart.id!).toBeGreaterThan(5);
      const figure = (id: string) =>
        page.$eval(`[data-figure="${id}"]`, (e) => [e.getAttribute('data-value'), e.textContent]);
      const cents = (v: string | null) => Math.round(Number(v) * 100);
      const net = await registerNet();
      const [revenue, revenueText] = await figure('revenue');
      expect(cents(revenue)).toBe(net.subtotal);
      expect(revenueText).toContain(`${revenue} USD`);
      expect(cents((await figure('billed'))[0])).toBe(net.total);
      const summary = parseCsv((await env.text(`invoices/${MONTH}/margin-summary-${MONTH}.csv`))!);
      const item = (k: string) => summary.find((r) => r[0] === k)![1]!;
      expect((await figure('margin'))[0]).toBe(item('margin'));
      expect((await figure('margin-cost'))[0]).toBe(item('total_cost'));
      const screenshot = await page.screenshot({ fullPage: true });
      expect(screenshot.length).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
