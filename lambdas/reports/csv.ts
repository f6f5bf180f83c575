import Papa from 'papaparse';

/**
 * CSV for finance, opened in Excel or LibreOffice in any locale. One cell rule for every file:
 * - numbers (JS numbers, bigints, and `csvNumber` decimal strings such as money) are written as
 *   they are, so "-12.30" on a credit note stays a number;
 * - a text cell starting with = + - @ tab CR or LF, or their full-width forms ＝ ＋ － ＠, is
 *   prefixed with ' so no spreadsheet evaluates it as a formula;
 * - so is a formula start right after a , ; tab or line break inside a text cell (`x;=cmd` -> `x;'=cmd`):
 *   Excel in a ';' locale (de, fr, nl, ...) splits every line at ';' and ignores a quote that is not
 *   at the start of its piece, so the piece `=cmd|...` would run however the cell is quoted;
 * - a text cell containing , ; tab, a quote or a line break is quoted (RFC 4180).
 * Files are UTF-8 with a byte order mark (Excel then reads "Zoë" right) and CRLF line ends.
 */

/** A decimal number already formatted (money, quantities): written verbatim, never treated as text. */
export class CsvNumber {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new TypeError(`not a decimal number: "${text}"`);
  }
}
export const csvNumber = (text: string) => new CsvNumber(text);

export type CsvCell = string | number | bigint | boolean | CsvNumber | null | undefined;

export const CSV_BOM = '\uFEFF';
export const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;
const NEEDS_QUOTES = /[",;\t\r\n]/;
/** A formula start after a list separator (any locale's), past any spaces. */
const INNER_FORMULA_START = /([,;\t\r\n])([ ]*)([=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/g;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (value instanceof CsvNumber) return value.text;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return String(value);
  }
  const inner = value.replace(INNER_FORMULA_START, "$1$2'$3");
  const guarded = FORMULA_START.test(inner) ? `'${inner}` : inner;
  return NEEDS_QUOTES.test(guarded) || guarded !== value ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/** Formats rows (no header handling) as CSV text ending in CRLF. */
export function csvRows(rows: readonly (readonly CsvCell[])[]): string {
  let out = '';
  for (const row of rows) out += `${row.map(csvCell).join(',')}\r\n`;
  return out;
}

/** The first line of a file: BOM + header row. */
export function csvHeader(columns: readonly string[]): string {
  return CSV_BOM + csvRows([columns]);
}

/** Parses text written by csvRows/csvHeader back into rows (for tests and reconciliation tools). */
export function parseCsv(text: string): string[][] {
  const body = text.startsWith(CSV_BOM) ? text.slice(1) : text;
  const parsed = Papa.parse<string[]>(body, { newline: '\r\n', skipEmptyLines: false });
  const rows = parsed.data;
  if (rows.length > 0 && rows.at(-1)!.length === 1 && rows.at(-1)![0] === '') rows.pop();
  return rows;
}
