import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvoiceRefusedError } from '../../lambdas/billing/invoice-errors.ts';
import {
  draftInvoices,
  type InvoicingDeps,
  issueInvoices,
  voidInvoice,
} from '../../lambdas/billing/invoicing.ts';
import { daysBetween } from '../../lambdas/calendar/days.ts';
import { runCollection } from '../../lambdas/collect/run-collection.ts';
import type { LedgerStore } from '../../lambdas/ledger/ports.ts';
import { parseCsv } from '../../lambdas/reports/csv.ts';
import { writeDailyUsage } from '../../lambdas/reports/daily-exports.ts';
import { INVOICE_COLUMNS, invoiceKeys, REGISTER_COLUMNS, reportKeys } from '../../lambdas/reports/layout.ts';
import { startLedger } from '../support/ledger.ts';

const RATE_CARD = readFileSync(new URL('../../local/rate-card.example.json', import.meta.url), 'utf8');
const MONTH = '2026-10';
const DAYS = daysBetween('2026-10-01', '2026-10-31');

let env: Awaited<ReturnType<typeof startLedger>>;
/** After October's grace days: the month may be issued. */
const AFTER_GRACE = '2026-11-05T00:00:00Z';
const deps = (overrides: Partial<InvoicingDeps> = {}, ledger?: LedgerStore): InvoicingDeps => ({
  ledger: ledger ?? env.ledger,
  objects: env.objects,
  now: () => new Date(AFTER_GRACE),
  principal: 'test:finance',
  graceDays: 3,
  sleep: async () => {},
  ...overrides,
});
const issue = (month = MONTH, rateCardText = RATE_CARD, d = deps()) =>
  issueInvoices(d, { month, rateCardText });
const listKeys = async (prefix: string) => {
  const keys: string[] = [];
  for await (const k of env.objects.list(prefix)) keys.push(k);
  return keys;
};

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

describe('issuing a month', () => {
  let first: Awaited<ReturnType<typeof issue>>;
  beforeAll(async () => {
    first = await issue();
  });

  it('agrees to the cent with an independent recomputation from the daily usage files', async () => {
    expect(first.issue).toBe(1);
    const rows = parseCsv(await env.text(first.files!.documents.key));
    expect(rows[0]).toEqual([...INVOICE_COLUMNS]);
    const col = (name: (typeof INVOICE_COLUMNS)[number]) => INVOICE_COLUMNS.indexOf(name);
    const expected = await recomputeFromDailyFiles();
    expect(expected.size).toBeGreaterThan(30);
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
      expect([r[col('status')], r[col('document_type')], r[col('issue')]]).toEqual([
        'issued',
        'invoice',
        '1',
      ]);
    }
  });

  it('bills the customer created on the last day for that day only, and nobody who was never signed up', async () => {
    const late = first.computation.lines.find((l) => l.email === 'lastday@late.example')!;
    expect(late.usage.daysCollected).toBe(31);
    expect(late.amounts.storageQuantity.lt(0.2)).toBe(true); // one day of ~3 TB averaged over 31 days
    const users = await env.deps().e2.users.list();
    const invited = users.filter((u) => !u.is_signed_up).map((u) => u.email);
    expect(first.created.some((d) => invited.includes(d.email))).toBe(false);
    expect(first.created.some((d) => !users.find((u) => u.email === d.email)?.is_active)).toBe(true); // disabled ones are billed
  });

  it('numbers invoices gaplessly, and issuing again creates nothing and rewrites no issued file', async () => {
    const numbers = first.created.map((d) => d.number);
    expect(numbers).toEqual(numbers.map((_, i) => `INV-202610-${String(i + 1).padStart(6, '0')}`));
    const before = await env.sha(first.files!.documents.key);
    const again = await issue();
    expect(again).toMatchObject({ issue: null, created: [] });
    expect(again.unchanged).toHaveLength(numbers.length);
    expect(await env.sha(first.files!.documents.key)).toBe(before);
    expect((await env.ledger.issues(MONTH)).map((i) => [i.issue, i.status])).toEqual([[1, 'complete']]);
    expect(await listKeys(`invoices/${MONTH}/issues/`)).toEqual([
      invoiceKeys.issueDocuments(MONTH, 1),
      invoiceKeys.issueManifest(MONTH, 1),
    ]);
  });

  it('corrects a changed customer with a credit note and a new invoice, and nothing else', async () => {
    const target = first.created[3]!;
    const before = await env.sha(first.files!.documents.key);
    // Late data: a re-collection of one day found more storage than before.
    const [day] = await env.ledger.snapshotsForUser(target.email, '2026-10-15', '2026-10-15');
    await env.ledger.putSnapshots([{ ...day!, diskUsedBytes: day!.diskUsedBytes + 5 * 10 ** 12 }]);
    await writeDailyUsage(env.deps(), '2026-10-15', day!.runId, await env.ledger.listProfiles());
    const second = await issue();
    expect(second.issue).toBe(2);
    expect(second.created.map((d) => [d.type, d.number, d.references, d.email])).toEqual([
      ['credit_note', 'CN-202610-000001', target.number, target.email],
      ['invoice', `INV-202610-${String(first.created.length + 1).padStart(6, '0')}`, null, target.email],
    ]);
    const [note, replacement] = second.created;
    for (const f of ['storage', 'download', 'tax', 'total'] as const)
      expect(note!.amounts[f]).toBe(target.amounts[f] === '0.00' ? '0.00' : `-${target.amounts[f]}`);
    expect(Number(replacement!.amounts.total)).toBeGreaterThan(Number(target.amounts.total));
    expect(second.unchanged).toHaveLength(first.created.length - 1);
    expect(await env.sha(first.files!.documents.key)).toBe(before);
    // The register: every document once, the cancelled invoice credited, each customer's net = the latest computation.
    const rows = parseCsv(await env.text(second.register.register.key));
    expect(rows[0]).toEqual([...REGISTER_COLUMNS]);
    const c = (name: (typeof REGISTER_COLUMNS)[number]) => REGISTER_COLUMNS.indexOf(name);
    expect(rows.length - 1).toBe(first.created.length + 2);
    expect(rows.find((r) => r[c('document_number')] === target.number)![c('status')]).toBe('credited');
    const net = new Map<string, bigint>();
    for (const r of rows.slice(1))
      net.set(r[c('email')]!, (net.get(r[c('email')]!) ?? 0n) + BigInt(r[c('total')]!.replace('.', '')));
    const latest = await recomputeFromDailyFiles();
    expect(latest.get(target.email)!.total).toBe(replacement!.amounts.total);
    expect(latest.size).toBeGreaterThan(5);
    for (const [email, e] of latest) expect(net.get(email), email).toBe(BigInt(e.total.replace('.', '')));
  });

  it('voids with a credit note only; the customer is not invoiced again unless asked', async () => {
    const victim = first.created[7]!;
    const voided = await voidInvoice(deps(), { number: victim.number, reason: 'billed by mistake' });
    expect(voided.creditNote).toMatchObject({
      type: 'credit_note',
      references: victim.number,
      voids: true,
      reason: 'void: billed by mistake',
    });
    await expect(voidInvoice(deps(), { number: victim.number, reason: 'again' })).rejects.toMatchObject({
      reason: 'already_credited',
    });
    await expect(
      voidInvoice(deps(), { number: voided.creditNote.number, reason: 'x' }),
    ).rejects.toMatchObject({ reason: 'not_an_invoice' });
    await expect(voidInvoice(deps(), { number: 'INV-202610-999999', reason: 'x' })).rejects.toMatchObject({
      reason: 'not_found',
    });
    const next = await issue();
    expect(next).toMatchObject({ issue: null, voided: [victim.email] });
    const reissued = await issueInvoices(deps(), {
      month: MONTH,
      rateCardText: RATE_CARD,
      reissue: [victim.email],
    });
    expect(reissued.created.map((d) => [d.type, d.email])).toEqual([['invoice', victim.email]]);
    const audit = (await env.ledger.auditRecords('2026-11-05', '2026-11-05')).map((a) => [
      a.action,
      a.principal,
    ]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['invoices.issue', 'test:finance'],
        ['invoices.void', 'test:finance'],
      ]),
    );
  });
});

describe('refusals write nothing', () => {
  const nothingWritten = async (month: string) => {
    expect(await listKeys(`invoices/${month}/`), month).toEqual([]);
    expect(await env.ledger.monthDocuments(month)).toEqual([]);
    expect(await env.ledger.issues(month)).toEqual([]);
  };

  it('a month with nothing collected, naming the collection that would fix it', async () => {
    const refusal = await issue('2026-08').catch((e) => e);
    expect(refusal).toBeInstanceOf(InvoiceRefusedError);
    expect(refusal).toMatchObject({
      reason: 'nothing_collected',
      detail: { collect: { from: '2026-08-01', to: '2026-08-31' } },
    });
    expect(refusal.message).toBe('nothing collected for 2026-08: no daily snapshot of any customer');
    await nothingWritten('2026-08');
  });

  it('a month not closed plus its grace days, saying from when it can be issued', async () => {
    const early = await issue(MONTH, RATE_CARD, deps({ now: () => new Date('2026-11-03T23:00:00Z') })).catch(
      (e) => e,
    );
    expect(early).toMatchObject({ reason: 'month_open', detail: { issuableFrom: '2026-11-04' } });
    const open = await issue('2026-11').catch((e) => e);
    expect(open.reason).toBe('month_open');
    await nothingWritten('2026-11');
  });

  it('a rate card override for someone who is not a customer of the month', async () => {
    const card = JSON.parse(RATE_CARD);
    card.overrides = { 'nobody@nowhere.example': { discountRate: '0.5' } };
    const refusal = await issue(MONTH, JSON.stringify(card)).catch((e) => e);
    expect(refusal).toMatchObject({
      reason: 'unknown_override',
      detail: { emails: ['nobody@nowhere.example'] },
    });
    expect(refusal.message).toContain('nobody@nowhere.example');
  });

  it('an invalid rate card before anything is read', async () => {
    await expect(issue(MONTH, '{"currency":"USD"}')).rejects.toThrow(/rate card is invalid: storage/);
  });

  it('a month with a missing user-day, naming it; a draft still works and claims no number', async () => {
    const small = await startLedger({ today: '2026-11-01', users: 8, historyStart: '2026-09-01' });
    try {
      const victim = [...small.sim.model.users.values()].find(
        (u) => u.signedUp && u.createdDay < '2026-10-01',
      )!.email;
      small.sim.failingEmails.add(victim.toLowerCase());
      await runCollection(small.deps(), { kind: 'backfill', from: '2026-10-01', to: '2026-10-31' });
      small.sim.failingEmails.clear();
      await runCollection(small.deps(), { kind: 'backfill', from: '2026-10-01', to: '2026-10-02' });
      const d = { ...deps(), ledger: small.ledger, objects: small.objects };
      const refusal = await issueInvoices(d, { month: MONTH, rateCardText: RATE_CARD }).catch((e) => e);
      expect(refusal).toMatchObject({ reason: 'missing_user_days' });
      expect(refusal.message).toContain(victim);
      expect(refusal.missing).toEqual([{ email: victim, days: DAYS.slice(2) }]);
      expect(await small.ledger.monthDocuments(MONTH)).toEqual([]);
      const draft = await draftInvoices(d, { month: MONTH, rateCardText: RATE_CARD });
      expect(draft.draft).toBe(1);
      expect(draft.files.invoices.key).toBe(`invoices/${MONTH}/drafts/d1/draft-invoices-${MONTH}.csv`);
      const rows = parseCsv(await small.text(draft.files.invoices.key));
      const col = (name: (typeof INVOICE_COLUMNS)[number]) => INVOICE_COLUMNS.indexOf(name);
      for (const r of rows.slice(1))
        expect([r[col('invoice_number')], r[col('status')], r[col('document_type')]]).toEqual([
          'DRAFT',
          'draft',
          'draft',
        ]);
      expect(rows.find((r) => r[col('email')] === victim)![col('days_collected')]).toBe('2');
      expect(JSON.parse(await small.text(draft.files.manifest.key))).toMatchObject({
        status: 'draft',
        complete: false,
      });
      expect(await small.ledger.monthDocuments(MONTH)).toEqual([]);
      expect(await small.ledger.lastPosition('INV#202610')).toBe(0);
    } finally {
      await small.stop();
    }
  });
});

describe('numbering and concurrency', () => {
  it('eight issuers of one month at once: one issues, the rest find it done; numbers unique and gapless', async () => {
    const month = '2026-09';
    await runCollection(env.deps(), { kind: 'backfill', from: '2026-09-01', to: '2026-09-30' });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => issue(month, RATE_CARD, deps({ principal: `test:issuer-${i}` }))),
    );
    expect(results.filter((r) => r.issue !== null)).toHaveLength(1);
    const documents = await env.ledger.monthDocuments(month);
    const positions = documents.map((d) => d.position).sort((a, b) => a - b);
    expect(positions).toEqual(positions.map((_, i) => i + 1));
    expect(new Set(documents.map((d) => d.email)).size).toBe(documents.length);
    expect(documents.length).toBeGreaterThan(5);
    for (const r of results) expect(r.documents.length).toBe(documents.length);
  });

  it('finishes an issue that stopped after claiming its numbers: the same documents, recorded once', async () => {
    const month = '2026-09';
    const [someone] = await env.ledger.monthDocuments(month);
    const [day] = await env.ledger.snapshotsForUser(someone!.email, '2026-09-10', '2026-09-10');
    await env.ledger.putSnapshots([{ ...day!, downloadedBytes: day!.downloadedBytes + 10 ** 12 }]);
    // A crash between claiming the documents and recording them in the month.
    const crashing = new Proxy(env.ledger, {
      get(target, prop) {
        if (prop === 'recordDocuments') return async () => Promise.reject(new Error('lost the connection'));
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as LedgerStore;
    await expect(issue(month, RATE_CARD, deps({}, crashing))).rejects.toThrow(/lost the connection/);
    expect((await env.ledger.issues(month)).map((i) => i.status)).toEqual(['complete', 'claiming']);
    const after = await issue(month);
    expect(after.issue).toBeNull(); // the interrupted issue already made these documents
    expect((await env.ledger.issues(month)).map((i) => i.status)).toEqual(['complete', 'complete']);
    const documents = await env.ledger.monthDocuments(month);
    expect(documents.filter((d) => d.email === someone!.email).map((d) => d.type)).toEqual([
      'credit_note',
      'invoice',
      'invoice',
    ]);
    expect(await listKeys(`invoices/${month}/issues/0002/`)).toHaveLength(2);
  });

  it('numbers by year when the rate card says so', async () => {
    const card = {
      ...JSON.parse(RATE_CARD),
      numbering: { scope: 'yearly', invoicePrefix: 'E2L', creditNotePrefix: 'E2LCN' },
    };
    await runCollection(env.deps(), { kind: 'backfill', from: '2026-09-01', to: '2026-09-30' });
    const small = await startLedger({ today: '2026-11-01', users: 6, historyStart: '2026-09-01' });
    try {
      await runCollection(small.deps(), { kind: 'backfill', from: '2026-09-01', to: '2026-10-31' });
      const d = { ...deps(), ledger: small.ledger, objects: small.objects };
      const sept = await issueInvoices(d, { month: '2026-09', rateCardText: JSON.stringify(card) });
      const oct = await issueInvoices(d, { month: '2026-10', rateCardText: JSON.stringify(card) });
      const numbers = [...sept.created, ...oct.created].map((x) => x.number);
      expect(numbers).toEqual(numbers.map((_, i) => `E2L-2026-${String(i + 1).padStart(6, '0')}`));
    } finally {
      await small.stop();
    }
  });
});
