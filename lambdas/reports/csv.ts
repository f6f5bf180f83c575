import Papa from 'papaparse';

/**
 * CSV for finance, opened in Excel: RFC 4180 quoting with CRLF line ends, a UTF-8 byte order mark so
 * Excel reads names like "Zoë" correctly, and any text cell starting with = + - @ tab CR or LF
 * prefixed with ' so Excel never evaluates it as a formula. Numbers are written as numbers, untouched.
 */

export type CsvCell = string | number | boolean | null | undefined;

export const CSV_BOM = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r\n]/;

/** Formats rows (no header handling) as CSV text ending in CRLF. */
export function csvRows(rows: readonly (readonly CsvCell[])[]): string {
  if (rows.length === 0) return '';
  return `${Papa.unparse(rows as CsvCell[][], { newline: '\r\n', escapeFormulae: FORMULA_START, header: false })}\r\n`;
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
