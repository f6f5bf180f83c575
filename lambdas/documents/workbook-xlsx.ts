import writeExcelFile, { type Feature } from 'write-excel-file/node';
import {
  getCellAddress,
  getOrderOfSiblings,
  getSelfClosingTagMarkup,
  insertElementMarkupAccordingToOrderOfSiblings,
} from 'write-excel-file/utility';
import { type Currency, Dec, MINOR_UNITS } from '../billing/money.ts';
import { documentStatus, type InvoiceDocument } from '../ledger/invoice-documents.ts';
import type { MonthData } from './month-data.ts';
import { figures } from './month-summary.ts';

type Cell = { value: string | number | Date | boolean | null; type?: unknown; format?: string } | null;
type Sheet = { sheet: string; data: Cell[][]; columns: { width: number }[]; stickyRowsCount: number };

/**
 * An autoFilter over each sheet's used range (header row included): write-excel-file has frozen
 * rows and widths but no filters; its feature hook lets us add the element in schema order.
 */
function autoFilter(sheets: readonly Sheet[]): Feature<unknown> {
  return {
    files: {
      transform: {
        'xl/worksheets/sheet{id}.xml': {
          transform(content, _options, properties) {
            const data = sheets[properties.sheetIndex]?.data ?? [];
            if (data.length === 0 || data[0]!.length === 0) return content;
            const ref = `A1:${getCellAddress(data.length - 1, data[0]!.length - 1)}`;
            const order = getOrderOfSiblings('xl/worksheets/sheet{id}.xml', 'worksheet') ?? [];
            return insertElementMarkupAccordingToOrderOfSiblings(
              content,
              getSelfClosingTagMarkup('autoFilter', { ref }),
              order.includes('autoFilter') ? order : [...order, 'autoFilter'],
              'worksheet',
            );
          },
        },
      },
    },
  };
}

const header = (names: readonly string[]): Cell[] =>
  names.map((n) => ({ value: n, fontWeight: 'bold' }) as Cell);
const moneyFormat = (c: Currency) => `#,##0${MINOR_UNITS[c] ? `.${'0'.repeat(MINOR_UNITS[c])}` : ''} "${c}"`;
/** A byte count exactly, as text: 16- and 17-digit counts would lose digits as numbers. */
const bytesText = (v: string | bigint | number): Cell => ({ value: String(v), type: String, format: '@' });
const decimal = (v: Dec | string, places: number, format: string): Cell => ({
  value: Number(new Dec(v).toFixed(places)),
  type: Number,
  format,
});
const day = (iso: string): Cell => ({
  value: new Date(`${iso.slice(0, 10)}T00:00:00Z`),
  type: Date,
  format: 'yyyy-mm-dd',
});
const text = (v: string | null): Cell => (v === null || v === '' ? null : { value: v, type: String });

/**
 * `invoices-YYYY-MM.xlsx`: Invoices (every issued document), Register (status and net), Usage (each
 * customer's days) and Summary. Amounts are numbers in the currency's format (exact: at most 15
 * significant digits, which money never reaches); byte counts are exact text plus GB decimals for sums.
 */
export async function renderWorkbook(data: MonthData): Promise<Uint8Array> {
  const docs = [...data.documents].sort((a, b) => (a.number < b.number ? -1 : 1));
  const currency = (docs[0]?.currency ?? 'USD') as Currency;
  const m = (v: string, d: InvoiceDocument) =>
    decimal(v, MINOR_UNITS[d.currency as Currency], moneyFormat(d.currency as Currency));
  const gb = (bytes: string | number) => decimal(new Dec(bytes).div(1e9), 6, '#,##0.000');
  const invoices: Sheet = {
    sheet: 'Invoices',
    stickyRowsCount: 1,
    columns: [18, 12, 32, 16, 16, 12, 12, 12, 20, 14, 10, 14, 14, 14, 14, 14, 14, 14, 8].map((width) => ({
      width,
    })),
    data: [
      header([
        'Number',
        'Type',
        'Email',
        'First name',
        'Last name',
        'Issued',
        'Period start',
        'Period end',
        'Avg storage bytes',
        'Avg storage GB',
        'Unit',
        'Storage quantity',
        'Storage',
        'Downloads',
        'Uploads',
        'Minimum adjustment',
        'Subtotal',
        'Tax',
        'Total',
      ]).concat(header(['Currency', 'Status', 'References', 'Downloaded bytes', 'Downloaded GB'])),
      ...docs.map((d) => [
        text(d.number),
        text(d.type === 'credit_note' ? 'credit note' : 'invoice'),
        text(d.email),
        text(d.firstName),
        text(d.lastName),
        day(d.issuedAt),
        day(d.periodStart),
        day(d.periodEnd),
        bytesText(d.usage.avgStorageBytes),
        gb(d.usage.avgStorageBytes),
        text(d.usage.storageUnit),
        decimal(d.usage.storageQuantity, 9, '0.000000'),
        m(d.amounts.storage, d),
        m(d.amounts.download, d),
        m(d.amounts.upload, d),
        m(d.amounts.minimumAdjustment, d),
        m(d.amounts.subtotal, d),
        m(d.amounts.tax, d),
        m(d.amounts.total, d),
        text(d.currency),
        text(documentStatus(d, data.documents)),
        text(d.references),
        bytesText(d.usage.downloadedBytes),
        gb(d.usage.downloadedBytes),
      ]),
    ],
  };
  const register: Sheet = {
    sheet: 'Register',
    stickyRowsCount: 1,
    columns: [18, 12, 32, 12, 18, 10, 14, 14, 14, 10, 8].map((width) => ({ width })),
    data: [
      header([
        'Number',
        'Type',
        'Email',
        'Issued',
        'References',
        'Currency',
        'Subtotal',
        'Tax',
        'Total',
        'Status',
        'Issue',
      ]),
      ...docs.map((d) => [
        text(d.number),
        text(d.type === 'credit_note' ? 'credit note' : 'invoice'),
        text(d.email),
        day(d.issuedAt),
        text(d.references),
        text(d.currency),
        m(d.amounts.subtotal, d),
        m(d.amounts.tax, d),
        m(d.amounts.total, d),
        text(documentStatus(d, data.documents)),
        { value: d.issue, type: Number },
      ]),
    ],
  };
  const usageRows: Cell[][] = [];
  for (const c of [...data.customers.values()].sort((a, b) => (a.email < b.email ? -1 : 1)))
    for (const [i, iso] of data.days.entries()) {
      if (!c.stored[i]) continue;
      usageRows.push([
        day(iso),
        text(c.email),
        bytesText(c.disk[i]!),
        gb(c.disk[i]!),
        bytesText(c.uploaded[i]!),
        gb(c.uploaded[i]!),
        bytesText(c.downloaded[i]!),
        gb(c.downloaded[i]!),
      ]);
    }
  const usage: Sheet = {
    sheet: 'Usage',
    stickyRowsCount: 1,
    columns: [12, 32, 20, 14, 20, 14, 20, 14].map((width) => ({ width })),
    data: [
      header([
        'Date',
        'Email',
        'Disk used bytes',
        'Disk used GB',
        'Uploaded bytes',
        'Uploaded GB',
        'Downloaded bytes',
        'Downloaded GB',
      ]),
      ...usageRows,
    ],
  };
  const f = figures(data.documents);
  const money = (v: Dec) => decimal(v, MINOR_UNITS[currency], moneyFormat(currency));
  const summary: Sheet = {
    sheet: 'Summary',
    stickyRowsCount: 1,
    columns: [{ width: 34 }, { width: 22 }],
    data: [
      header(['Item', 'Value']),
      [text('Month'), text(data.month)],
      [text('Currency'), text(currency)],
      [text('Invoices'), { value: docs.filter((d) => d.type === 'invoice').length, type: Number }],
      [text('Credit notes'), { value: docs.filter((d) => d.type === 'credit_note').length, type: Number }],
      [text('Customers invoiced'), { value: f.customers, type: Number }],
      [text('Revenue (net subtotal, before tax)'), money(f.revenue)],
      [text('Tax'), money(f.tax)],
      [text('Billed (net total)'), money(f.billed)],
      [text('Storage TB-months'), decimal(f.tbMonths, 6, '0.000000')],
      [text('Downloaded bytes'), bytesText(f.downloadedBytes)],
      [text('Missing user-days'), { value: data.missingUserDays, type: Number }],
    ],
  };
  const sheets = [invoices, register, usage, summary];
  const buffer = await writeExcelFile(
    sheets as never,
    { features: [autoFilter(sheets)] } as never,
  ).toBuffer();
  return new Uint8Array(buffer);
}
