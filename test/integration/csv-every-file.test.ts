import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftInvoices, issueInvoices } from '../../lambdas/billing/invoicing.ts';
import { runCollection } from '../../lambdas/collect/run-collection.ts';
import { CSV_BOM } from '../../lambdas/reports/csv.ts';
import { startAdmin } from '../support/admin.ts';

// Every CSV the project writes (daily usage, activity, admin audit, issued documents, register,
// drafts), read as Excel would split it in a ',' locale, a ';' locale (de, fr, nl) and with tabs:
// no cell that a spreadsheet would evaluate, while the hostile text itself is still there.

const RATE_CARD = readFileSync(new URL('../../local/rate-card.example.json', import.meta.url), 'utf8');
let admin: Awaited<ReturnType<typeof startAdmin>>;

beforeAll(async () => {
  admin = await startAdmin('2026-11-01', 30);
  // Hostile text through the admin API too (it lands in the admin audit file).
  const created = await admin.call('POST', '/users', {
    body: {
      email: 'semi@colon.example',
      password: 'correct horse',
      first_name: "x;=cmd|' /C calc'!A0",
      quota_gb: 1,
    },
  });
  expect(created.status).toBe(201);
  const run = await runCollection(admin.env.deps({ now: () => new Date('2026-11-01T03:00:00Z') }), {
    kind: 'backfill',
    from: '2026-10-01',
    to: '2026-10-31',
  });
  expect(run.summary.status).toBe('succeeded');
  const deps = {
    ledger: admin.env.ledger,
    objects: admin.env.objects,
    now: () => new Date('2026-11-05T00:00:00Z'),
    principal: 'test',
    graceDays: 3,
  };
  await issueInvoices(deps, { month: '2026-10', rateCardText: RATE_CARD });
  await draftInvoices(deps, { month: '2026-10', rateCardText: RATE_CARD });
});
afterAll(() => admin.stop());

/** A cell that a spreadsheet would run: a formula start, unless it is a plain number like -12.30. */
const runnable = (cell: string) =>
  /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/.test(cell) && !/^-\d+(\.\d+)?$/.test(cell);

describe('every CSV the project writes', () => {
  it('has no cell a spreadsheet would evaluate, in a , locale, a ; locale or split at tabs', async () => {
    const files: string[] = [];
    for await (const key of admin.env.objects.list(''))
      if (key.endsWith('.csv') && !key.startsWith('staging/')) files.push(key);
    const kinds = new Set(
      files.map((k) => k.replace(/\d{4}.*\//, '').replace(/-\d{4}-\d{2}(-\d{2})?\.csv$/, '')),
    );
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining([
        'audit/activity/activity',
        'audit/admin/admin-audit',
        'invoices/documents',
        'invoices/draft-invoices',
        'invoices/register',
        'usage/daily/usage',
      ]),
    );
    let hostile = 0;
    for (const key of files) {
      const text = (await admin.env.objects.getText(key))!.replace(CSV_BOM, '');
      hostile += text.split("=cmd|' /C calc'!A0").length - 1;
      for (const delimiter of [',', ';', '\t'] as const) {
        const cells = Papa.parse<string[]>(text, {
          delimiter,
          newline: '\r\n',
          skipEmptyLines: true,
        }).data.flat();
        const bad = cells.filter(runnable);
        expect(bad.slice(0, 3), `${key} split at ${JSON.stringify(delimiter)}`).toEqual([]);
      }
    }
    expect(hostile).toBeGreaterThan(3); // the hostile text is there, neutralised, not dropped
  });
});
