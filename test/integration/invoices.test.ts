import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateInvoices, InvoiceRefusedError } from '../../lambdas/billing/generate-invoices.ts';
import { daysBetween } from '../../lambdas/calendar/days.ts';
import { runCollection } from '../../lambdas/collect/run-collection.ts';
import { parseCsv } from '../../lambdas/reports/csv.ts';
import { INVOICE_COLUMNS, invoiceKeys, reportKeys } from '../../lambdas/reports/layout.ts';
import { startLedger } from '../support/ledger.ts';

const RATE_CARD = readFileSync(new URL('../../local/rate-card.example.json', import.meta.url), 'utf8');
const MONTH = '2026-10';
const DAYS = daysBetween('2026-10-01', '2026-10-31');

let env: Awaited<ReturnType<typeof startLedger>>;
const invoice = (draft = false, month = MONTH, rateCardText = RATE_CARD) =>
  generateInvoices(
    { ledger: env.ledger, objects: env.objects, now: () => new Date('2026-11-02T00:00:00Z') },
    { month, rateCardText, draft },
  );

beforeAll(async () => {
  env = await startLedger({ today: '2026-11-01', users: 40, historyStart: '2026-09-01' });
  // A customer who signs up on the last day of the month, with real usage that day.
  const template = env.sim.model.users.values().next().value!;
  env.sim.model.users.set('lastday@late.example', {
    ...template,
    email: 'lastday@late.example',
    createdDay: '2026-10-31',
    createdAt: '2026-10-31T22:00:00Z',
    signedUp: true,
    active: true,
    dailyRate: 3e12,
    storages: new Map(),
    subusers: new Map(),
  });
  const run = await runCollection(env.deps(), { kind: 'backfill', from: '2026-10-01', to: '2026-10-31' });
  expect(run.summary.status).toBe('succeeded');
});
afterAll(() => env.stop());

/** Rational numbers on bigints: the test's own arithmetic, independent of decimal.js. */
type Q = { n: bigint; d: bigint };
const q = (n: bigint, d = 1n): Q => ({ n, d });
const add = (a: Q, b: Q): Q => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
const mul = (a: Q, b: Q): Q => ({ n: a.n * b.n, d: a.d * b.d });
const roundHalfUp = (a: Q): bigint => (2n * a.n + a.d) / (2n * a.d); // for a >= 0
const min = (a: Q, b: Q) => (a.n * b.d <= b.n * a.d ? a : b);
const cents = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;

/** Expected invoice totals in cents, recomputed from the daily usage CSV files finance downloads. */
async function recomputeFromDailyFiles() {
  const perUser = new Map<string, { disk: bigint; down: bigint; up: bigint; existed: boolean }>();
  for (const day of DAYS) {
    const rows = parseCsv(await env.text(reportKeys.dailyUsage(day))).slice(1);
    for (const r of rows) {
      if (r[5] !== 'collected') continue;
      const u = perUser.get(r[1]!) ?? { disk: 0n, down: 0n, up: 0n, existed: false };
      u.disk += BigInt(r[2]!);
      u.up += BigInt(r[3]!);
      u.down += BigInt(r[4]!);
      u.existed ||= r[9] === 'api';
      perUser.set(r[1]!, u);
    }
  }
  const expected = new Map<
    string,
    { storage: string; download: string; minimum: string; tax: string; total: string }
  >();
  for (const [email, u] of perUser) {
    if (!u.existed) continue;
    const tb = q(u.disk, 31n * 10n ** 12n);
    const tiers: [Q, bigint][] = [
      [q(1n), 600n],
      [q(10n), 500n],
      [q(10n ** 30n), 450n],
    ];
    let storage = q(0n);
    let floor = q(0n);
    for (const [ceiling, price] of tiers) {
      const top = min(tb, ceiling);
      if (top.n * floor.d > floor.n * top.d)
        storage = add(storage, mul(add(top, mul(floor, q(-1n))), q(price)));
      floor = ceiling;
    }
    const storageCents = roundHalfUp(storage);
    const downloadCents = roundHalfUp(q(u.down, 10n ** 9n));
    const lines = storageCents + downloadCents;
    const minimum = lines < 250n ? 250n - lines : 0n;
    const subtotal = lines + minimum;
    const tax = roundHalfUp(q(subtotal * 825n, 10_000n));
    expected.set(email, {
      storage: cents(storageCents),
      download: cents(downloadCents),
      minimum: cents(minimum),
      tax: cents(tax),
      total: cents(subtotal + tax),
    });
  }
  return expected;
}

describe('monthly invoices', () => {
  it('agree to the cent with an independent recomputation from the daily usage files', async () => {
    const result = await invoice();
    const rows = parseCsv(await env.text(result.files.invoices.key));
    expect(rows[0]).toEqual([...INVOICE_COLUMNS]);
    const col = (name: (typeof INVOICE_COLUMNS)[number]) => INVOICE_COLUMNS.indexOf(name);
    const expected = await recomputeFromDailyFiles();
    expect(rows.length - 1).toBe(expected.size);
    for (const r of rows.slice(1)) {
      const e = expected.get(r[col('email')]!)!;
      expect([
        r[col('storage_amount')],
        r[col('download_amount')],
        r[col('minimum_adjustment')],
        r[col('tax')],
        r[col('total')],
      ]).toEqual([e.storage, e.download, e.minimum, e.tax, e.total]);
      expect(r[col('days_in_period')]).toBe('31');
      expect(r[col('days_collected')]).toBe('31');
      expect(r[col('complete')]).toBe('true');
      expect(r[col('status')]).toBe('final');
    }
  });

  it('bills the customer created on the last day for that day only, and nobody who was never signed up', async () => {
    const result = await invoice();
    const late = result.lines.find((l) => l.email === 'lastday@late.example')!;
    expect(late.usage.daysCollected).toBe(31);
    // One day of ~3 TB averaged over 31 days.
    expect(late.amounts.storageQuantity.lt(0.2)).toBe(true);
    const users = await env.deps().e2.users.list();
    const invited = users.filter((u) => !u.is_signed_up).map((u) => u.email);
    expect(result.lines.some((l) => invited.includes(l.email))).toBe(false);
    expect(result.lines.some((l) => !users.find((u) => u.email === l.email)?.is_active)).toBe(true); // disabled ones are billed
  });

  it('numbers are gapless, kept across versions, and each run makes a new version with the same bytes', async () => {
    const first = await invoice();
    const second = await invoice();
    expect(second.version).toBe(first.version + 1);
    const numbers = first.lines.map((l) => l.invoiceNumber);
    expect(second.lines.map((l) => l.invoiceNumber)).toEqual(numbers);
    expect(numbers.map((n) => Number(n.slice(-6))).sort((a, b) => a - b)).toEqual(
      numbers.map((_, i) => i + 1),
    );
    expect(numbers.every((n) => /^INV-202610-\d{6}$/.test(n))).toBe(true);
    expect(second.files.invoices.sha256).toBe(first.files.invoices.sha256);
    expect(await env.text(invoiceKeys.invoices(MONTH, first.version))).toBe(
      await env.text(invoiceKeys.invoices(MONTH, second.version)),
    );
    const manifest = JSON.parse(await env.text(second.files.manifest.key));
    expect(manifest).toMatchObject({ status: 'final', snapshotCount: second.snapshotCount, complete: true });
    expect(manifest.files[0]).toMatchObject({
      sha256: second.files.invoices.sha256,
      rows: second.lines.length,
    });
    expect(manifest.rateCardSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a month that is not over yet', async () => {
    const refusal = await invoice(false, '2026-11').catch((e) => e);
    expect(refusal).toBeInstanceOf(InvoiceRefusedError);
    expect(refusal.message).toMatch(/not over yet/);
  });

  it('refuses a month with a missing user-day and names it; --draft produces a marked draft without using numbers', async () => {
    const small = await startLedger({ today: '2026-11-01', users: 8, historyStart: '2026-09-01' });
    try {
      const victim = (await small.deps().e2.users.list()).find(
        (u) => u.is_signed_up && u.account_creation_timestamp! < '2026-10-01',
      )!.email;
      small.sim.failingEmails.add(victim.toLowerCase());
      await runCollection(small.deps(), { kind: 'backfill', from: '2026-10-01', to: '2026-10-31' });
      small.sim.failingEmails.clear();
      await runCollection(small.deps(), { kind: 'backfill', from: '2026-10-01', to: '2026-10-02' });
      const run = (draft: boolean) =>
        generateInvoices(
          { ledger: small.ledger, objects: small.objects, now: () => new Date('2026-11-02T00:00:00Z') },
          { month: MONTH, rateCardText: RATE_CARD, draft },
        );
      const refusal = await run(false).catch((e) => e);
      expect(refusal).toBeInstanceOf(InvoiceRefusedError);
      expect(refusal.message).toContain(victim);
      expect(refusal.missing).toEqual([{ email: victim, days: DAYS.slice(2) }]);
      const provisional = await run(true);
      expect(provisional.draft).toBe(true);
      expect(provisional.lines.every((l) => l.invoiceNumber === 'DRAFT')).toBe(true);
      expect(provisional.lines.find((l) => l.email === victim)).toMatchObject({
        complete: false,
        usage: { daysCollected: 2 },
      });
      expect((await small.ledger.invoiceNumbers(MONTH)).size).toBe(0);
      expect(JSON.parse(await small.text(provisional.files.manifest.key))).toMatchObject({
        status: 'draft',
        complete: false,
      });
      expect(parseCsv(await small.text(provisional.files.invoices.key))[1]!.at(-1)).toBe('draft');
    } finally {
      await small.stop();
    }
  });

  it('rejects an invalid rate card before reading anything', async () => {
    await expect(invoice(false, MONTH, '{"currency":"USD"}')).rejects.toThrow(
      /rate card is invalid: storage/,
    );
  });
});
