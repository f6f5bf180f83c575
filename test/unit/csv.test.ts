import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvHeader, csvRows, parseCsv } from '../../lambdas/reports/csv.ts';

describe('CSV for Excel', () => {
  it('neutralises text cells starting with = + - @ tab CR or LF, and leaves numbers alone', () => {
    const text = csvRows([
      ['=SUM(A1)', '+1', '-2', '@x', '\tt', '\rr', '\nn', -5, 12.5, 'plain', true, null],
    ]);
    expect(parseCsv(text)[0]).toEqual([
      "'=SUM(A1)",
      "'+1",
      "'-2",
      "'@x",
      "'\tt",
      "'\rr",
      "'\nn",
      '-5',
      '12.5',
      'plain',
      'true',
      '',
    ]);
  });

  it('quotes commas, quotes and line breaks per RFC 4180 with CRLF line ends', () => {
    expect(csvRows([['a,b', 'say "hi"', 'two\nlines']])).toBe('"a,b","say ""hi""","two\nlines"\r\n');
  });

  it('starts files with a UTF-8 BOM so Excel reads accents', () => {
    expect(csvHeader(['date', 'email'])).toBe(`${CSV_BOM}date,email\r\n`);
  });

  it('round-trips any text cell (after the formula guard) and any integer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), fc.maxSafeInteger()), {
          minLength: 1,
          maxLength: 20,
        }),
        (rows) => {
          const parsed = parseCsv(csvHeader(['text', 'n']) + csvRows(rows));
          expect(parsed.slice(1)).toEqual(
            rows.map(([t, n]) => [/^[=+\-@\t\r\n]/.test(t) ? `'${t}` : t, String(n)]),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
