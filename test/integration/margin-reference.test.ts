import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCostCard } from '../../lambdas/billing/cost-card.ts';
import { computeMargins, MarginRefusedError } from '../../lambdas/billing/margin.ts';
import { daysBetween } from '../../lambdas/calendar/days.ts';
import { parseCsv } from '../../lambdas/reports/csv.ts';
import { invoiceKeys, MARGIN_COLUMNS, reportKeys } from '../../lambdas/reports/layout.ts';
import { writeMarginFiles } from '../../lambdas/reports/margin-files.ts';
import { commandWorks } from '../support/aws/processes.ts';
import { startReferenceLedger } from '../support/reference-ledger.ts';
import type { ReferenceFixture } from '../support/reference-server.ts';

// Issue 14's acceptance: a month collected from a server written from the reference, invoiced and
// corrected once; every margin row must agree to the cent with margin_reference.py, which recomputes
// it in Python from the daily usage CSVs, the register and the cost card.

const TOKEN = 'margin-reference-token-0123456789';
const SEPTEMBER = daysBetween('2026-09-01', '2026-09-30');
const OCTOBER = daysBetween('2026-10-01', '2026-10-31');
const TB = 1e12;
const usage: ReferenceFixture['usage'] = {};
const put = (email: string, day: string, disk: number, up: number, down: number) => {
  usage[email] ??= {};
  usage[email]![day] = [disk, up, down];
};
for (const [i, day] of [...SEPTEMBER, ...OCTOBER].entries()) {
  const inOctober = day >= '2026-10-01';
  // Grows 1 TB a day; on 10-12 deletes 5 TB (what it stored in the last days: the costly case).
  put('alice@ref.example', day, (40 + i) * TB - (day >= '2026-10-12' ? 5 * TB : 0), TB, 2 * TB);
  // Constant, no uploads: nothing is ever deleted.
  put('bob@ref.example', day, 3 * TB, 0, 0.5 * TB);
  // Uploads 2 TB on 10-03 and deletes it all on 10-08: age 5, 25 of 30 days billed.
  if (inOctober)
    put(
      'dave@ref.example',
      day,
      day >= '2026-10-03' && day < '2026-10-08' ? 2 * TB : 0,
      day === '2026-10-03' ? 2 * TB : 0,
      0,
    );
  // Created on 10-20; heavy downloads against little storage (the egress above the free ratio).
  if (day >= '2026-10-20')
    put('carol@ref.example', day, 0.1 * TB, day === '2026-10-20' ? 0.1 * TB : 0, 20 * TB);
  put('erin@ref.example', day, 1e9, 0, 0);
}
const user = (email: string, created: string, extra: Partial<ReferenceFixture['users'][number]> = {}) => ({
  email,
  first_name: email.split('@')[0]!,
  last_name: null,
  created: `${created} 09:00:00`,
  signed_up: true,
  active: true,
  quota_gb: 0,
  ...extra,
});
const fixture: ReferenceFixture = {
  users: [
    user('alice@ref.example', '2026-06-01'),
    user('bob@ref.example', '2026-06-01'),
    user('carol@ref.example', '2026-10-20'),
    user('dave@ref.example', '2026-10-01'),
    user('erin@ref.example', '2026-06-01', { active: false }),
  ],
  usage,
  activity: {},
};
const created = Object.fromEntries(fixture.users.map((u) => [u.email, u.created.slice(0, 10)]));

const RATE_CARD = readFileSync(new URL('../../local/rate-card.example.json', import.meta.url), 'utf8');
/** The example card's shape with every part switched on: 3 free users, egress above 2x storage. */
const COST_CARD = JSON.stringify({
  currency: 'USD',
  storage: { unit: 'TB', unitPrice: '4.00', monthlyMinimum: '5.00' },
  minimumStorageDays: 30,
  users: { freeUsers: 3, yearlyFeePerUser: '10.00' },
  egress: { billing: 'above_ratio', freeRatio: '2', unit: 'GB', unitPrice: '0.01' },
});

const hasPython = commandWorks('python3', ['-c', 'import fractions, csv']);
let ref: Awaited<ReturnType<typeof startReferenceLedger>>;
let dir: string;

beforeAll(async () => {
  if (!hasPython) return;
  ref = await startReferenceLedger(fixture, TOKEN);
  dir = mkdtempSync(join(tmpdir(), 'e2l-margin-'));
}, 60_000);

afterAll(async () => {
  await ref?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const collect = (from: string, to: string) => ref.collect(from, to);
const issue = () => ref.issue('2026-10', RATE_CARD);
const ledger = () => ref.ledger;
const objects = () => ref.objects;

/** The Python recomputation, from the files in the bucket (as finance would download them). */
async function referenceMargins(): Promise<Record<string, Record<string, string>>> {
  const paths: string[] = [];
  for (const day of [...SEPTEMBER, ...OCTOBER]) {
    const path = join(dir, `usage-${day}.csv`);
    writeFileSync(path, (await objects().getText(reportKeys.dailyUsage(day)))!);
    paths.push(path);
  }
  const register = join(dir, 'register.csv');
  writeFileSync(register, (await objects().getText(invoiceKeys.register('2026-10')))!);
  const input = join(dir, 'input.json');
  writeFileSync(
    input,
    JSON.stringify({
      month: '2026-10',
      costCard: JSON.parse(COST_CARD),
      usageCsvs: paths,
      registerCsv: register,
      created,
    }),
  );
  const out = execFileSync('python3', [join(import.meta.dirname, '../support/margin_reference.py'), input], {
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { rows: Record<string, Record<string, string>> }).rows;
}

describe.runIf(hasPython)('margins against a server that follows the reference', () => {
  it('refuses a month with no issued document, naming what to do', async () => {
    expect((await collect('2026-09-01', '2026-10-31')).summary.status).toBe('succeeded');
    const refused = await computeMargins(ledger(), '2026-10', parseCostCard(COST_CARD).card).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(MarginRefusedError);
    expect(refused).toMatchObject({ reason: 'not_issued' });
  });

  it('agrees to the cent with an independent recomputation on every row, after a correction', async () => {
    await issue();
    // IDrive corrects a day of Bob's; the day is collected again and the month issued again (credit note + invoice).
    await ref.server.setUsage('bob@ref.example', '2026-10-10', { disk_used: 9 * TB });
    expect((await collect('2026-10-10', '2026-10-10')).summary.status).toBe('succeeded');
    const second = await issue();
    expect(second.created.map((d) => d.type)).toEqual(['credit_note', 'invoice']);

    const { card, sha256 } = parseCostCard(COST_CARD);
    const report = await computeMargins(ledger(), '2026-10', card, { providerBill: '0' });
    const files = await writeMarginFiles(objects(), report, {
      costCardSha256: sha256,
      storageUnit: 'TB',
      generatedAt: '2026-11-05T07:00:00Z',
    });
    const rows = parseCsv((await objects().getText(files.margin.key))!);
    expect(rows[0]).toEqual([...MARGIN_COLUMNS]);
    const reference = await referenceMargins();
    const ours = Object.fromEntries(
      rows
        .slice(1)
        .map((r) => [r[0]!, Object.fromEntries(MARGIN_COLUMNS.slice(1, 10).map((c, i) => [c, r[i + 1]!]))]),
    );
    expect(Object.keys(ours).sort()).toEqual([
      'alice@ref.example',
      'bob@ref.example',
      'carol@ref.example',
      'dave@ref.example',
      'erin@ref.example',
    ]);
    expect(ours).toEqual(reference);

    // Every part of the model is exercised, and the parts add up.
    const by = (email: string) => report.rows.find((r) => r.email === email)!;
    expect(by('dave@ref.example').earlyDeletedBytes).toBe(2n * 10n ** 12n);
    expect(by('dave@ref.example').deletedStorageCost.toFixed(2)).toBe('6.45'); // 2 TB x 25/31 x 4.00
    expect(by('bob@ref.example').deletedBytes).toBe(6n * 10n ** 12n); // the corrected day went up and came back
    expect(by('carol@ref.example').egressCost.gt(0)).toBe(true);
    expect(report.bill.billableUsers).toBe(2);
    expect(report.totals.userFeeCost.toFixed(2)).toBe('1.67');
    const sum = (f: (r: (typeof report.rows)[number]) => { toFixed(n: number): string }) =>
      report.rows.reduce((a, r) => a + Math.round(Number(f(r).toFixed(2)) * 100), 0);
    expect(sum((r) => r.totalCost)).toBe(Math.round(Number(report.totals.totalCost.toFixed(2)) * 100));
    // Revenue is the net of the issued documents: Bob's credit note and replacement, not his first invoice.
    const register = parseCsv((await objects().getText(invoiceKeys.register('2026-10')))!);
    const bobNet = register
      .filter((r) => r[2] === 'bob@ref.example')
      .reduce((a, r) => a + Math.round(Number(r[6]) * 100), 0);
    expect(Math.round(Number(by('bob@ref.example').revenue.toFixed(2)) * 100)).toBe(bobNet);
    // A bill of 0 is lower than any modelled cost: not explained.
    expect(report.reconciliation).toMatchObject({ explained: false });
  });

  it('reconciles a provider bill: within the deleted-storage range is explained by it', async () => {
    const { card } = parseCostCard(COST_CARD);
    const base = await computeMargins(ledger(), '2026-10', card);
    const low = base.bill.deletedStorageOldestFirst;
    expect(low.lt(base.bill.deletedStorage)).toBe(true);
    const bill = base.bill.total.minus(base.bill.deletedStorage.minus(low).div(2)).toFixed(2);
    const report = await computeMargins(ledger(), '2026-10', card, { providerBill: bill });
    expect(report.reconciliation!.explained).toBe(true);
    expect(report.reconciliation!.explanations.join(' ')).toMatch(
      /deleted storage: the model takes the newest bytes first/,
    );
  });
});
