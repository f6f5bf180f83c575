import fc from 'fast-check';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import {
  CSV_BOM,
  csvHeader,
  csvNumber,
  csvRows,
  FORMULA_START,
  parseCsv,
} from '../../lambdas/reports/csv.ts';

/** How a spreadsheet in a locale with this list separator splits a line into cells. */
const cellsIn = (text: string, delimiter: ',' | ';' | '\t') =>
  Papa.parse<string[]>(text.replace(CSV_BOM, ''), {
    delimiter,
    newline: '\r\n',
    skipEmptyLines: true,
  }).data.flat();

describe('CSV for Excel', () => {
  it('neutralises text cells starting with = + - @ tab CR LF and their full-width forms; numbers stay numbers', () => {
    const text = csvRows([
      [
        '=SUM(A1)',
        '+1',
        '-2',
        '@x',
        '\tt',
        '\rr',
        '\nn',
        '＝1+1',
        '＋1',
        '－1',
        '＠x',
        -5,
        12.5,
        csvNumber('-12.30'),
        10n ** 18n,
        'plain',
        true,
        null,
      ],
    ]);
    expect(parseCsv(text)[0]).toEqual([
      "'=SUM(A1)",
      "'+1",
      "'-2",
      "'@x",
      "'\tt",
      "'\rr",
      "'\nn",
      "'＝1+1",
      "'＋1",
      "'－1",
      "'＠x",
      '-5',
      '12.5',
      '-12.30',
      '1000000000000000000',
      'plain',
      'true',
      '',
    ]);
    expect(() => csvNumber('12,30')).toThrow(/not a decimal number/);
  });

  it('quotes commas, semicolons, tabs, quotes and line breaks per RFC 4180 with CRLF line ends', () => {
    expect(csvRows([['a,b', 'a;b', 'a\tb', 'say "hi"', 'two\nlines']])).toBe(
      '"a,b","a;b","a\tb","say ""hi""","two\nlines"\r\n',
    );
  });

  it('keeps x;=cmd from running in a ; locale, a , locale or a tab locale', () => {
    expect(parseCsv(csvRows([["x;=cmd|' /C calc'!A0", 'a, -b', 'plain; text']]))[0]).toEqual([
      "x;'=cmd|' /C calc'!A0",
      "a, '-b",
      'plain; text',
    ]);
    const text =
      csvHeader(['first_name', 'description']) + csvRows([["x;=cmd|' /C calc'!A0", 'a,=HYPERLINK("x")\t+1']]);
    for (const delimiter of [',', ';', '\t'] as const)
      for (const cell of cellsIn(text, delimiter))
        expect(cell, `${delimiter}: ${cell}`).not.toMatch(FORMULA_START);
  });

  it('starts files with a UTF-8 BOM so Excel reads accents', () => {
    expect(csvHeader(['date', 'email'])).toBe(`${CSV_BOM}date,email\r\n`);
  });

  it('round-trips any text cell (after the formula guard) and any integer, and no locale split exposes a formula', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), fc.maxSafeInteger()), {
          minLength: 1,
          maxLength: 20,
        }),
        (rows) => {
          const text = csvHeader(['text', 'n']) + csvRows(rows);
          // The guard, as the rule states it: a ' before a formula start after a list separator
          // (past spaces), and before one at the start of the cell.
          const guarded = (t: string) => {
            const inner = t.replace(/([,;\t\r\n])( *)([=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/g, "$1$2'$3");
            return FORMULA_START.test(inner) ? `'${inner}` : inner;
          };
          expect(parseCsv(text).slice(1)).toEqual(rows.map(([t, n]) => [guarded(t), String(n)]));
          for (const delimiter of [';', '\t'] as const)
            for (const cell of cellsIn(text, delimiter)) expect(cell).not.toMatch(/^[=+@\uFF1D\uFF0B\uFF20]/);
        },
      ),
      { numRuns: 500 },
    );
  });
});
