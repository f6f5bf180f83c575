import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeInvoice, graduated, type UsageMonth } from '../../lambdas/billing/invoice-line.ts';
import { Dec, formatMoney, MINOR_UNITS } from '../../lambdas/billing/money.ts';
import { parseRateCard, RateCardError, termsFor, UNIT_BYTES } from '../../lambdas/billing/rate-card.ts';

const CARD = {
  currency: 'USD',
  storage: {
    basis: 'average_daily',
    unit: 'TB',
    tiers: [
      { upTo: '1', unitPrice: '6.00' },
      { upTo: '10', unitPrice: '5.00' },
      { upTo: null, unitPrice: '4.50' },
    ],
  },
  downloads: { unit: 'GB', unitPrice: '0.01' },
  uploads: { unit: 'GB', unitPrice: '0' },
  minimumCharge: '2.50',
  taxRate: '0.0825',
};
const card = (overrides: Record<string, unknown> = {}) =>
  parseRateCard(JSON.stringify({ ...CARD, ...overrides })).card;
const TB = 10n ** 12n;

function month(days: bigint[], extra: Partial<UsageMonth> = {}, daysInPeriod = 30): UsageMonth {
  return {
    email: 'c@x.example',
    daysInPeriod,
    daysCollected: days.length,
    diskUsedSum: days.reduce((a, b) => a + b, 0n),
    // biome-ignore lint/complexity/useMathMinMax: bigints have no Math.max
    diskUsedPeak: days.reduce((a, b) => (b > a ? b : a), 0n),
    diskUsedLast: days.at(-1) ?? 0n,
    downloadedSum: 0n,
    uploadedSum: 0n,
    ...extra,
  };
}

describe('the invoice arithmetic', () => {
  it('prices graduated tiers: 12 TB average = 1x6 + 9x5 + 2x4.50', () => {
    const a = computeInvoice(month(Array(30).fill(12n * TB)), termsFor(card(), 'c@x.example'));
    expect(formatMoney(a.storageAmount, 'USD')).toBe('60.00');
    expect(formatMoney(a.tax, 'USD')).toBe('4.95');
    expect(formatMoney(a.total, 'USD')).toBe('64.95');
  });

  it('prorates an account created mid-month by averaging over the calendar days', () => {
    // 10 TB on the last 3 days of a 30-day month: average 1 TB.
    const a = computeInvoice(
      month([...Array(27).fill(0n), 10n * TB, 10n * TB, 10n * TB]),
      termsFor(card(), 'c@x.example'),
    );
    expect(a.storageQuantity.toString()).toBe('1');
    expect(formatMoney(a.storageAmount, 'USD')).toBe('6.00');
  });

  it('lifts a small account to the minimum charge, taxed', () => {
    const a = computeInvoice(month(Array(30).fill(0n)), termsFor(card(), 'c@x.example'));
    expect([a.minimumAdjustment, a.subtotal, a.tax, a.total].map((d) => formatMoney(d, 'USD'))).toEqual([
      '2.50',
      '2.50',
      '0.21',
      '2.71',
    ]);
  });

  it('bills petabyte accounts exactly', () => {
    const pb = 1_234_567_890_123_456n;
    const a = computeInvoice(
      month(Array(31).fill(pb), { downloadedSum: 31n * pb }, 31),
      termsFor(card(), 'c@x.example'),
    );
    // 1234.567890123456 TB: 6 + 45 + 1224.567890123456 x 4.5 = 5561.555505555552 -> 5561.56
    expect(formatMoney(a.storageAmount, 'USD')).toBe('5561.56');
    // 38271604.593827136 GB x 0.01 = 382716.04593827136 -> 382716.05
    expect(formatMoney(a.downloadAmount, 'USD')).toBe('382716.05');
  });

  it('rounds half up at the minor unit and uses 0 decimals for JPY', () => {
    const jpy = card({
      currency: 'JPY',
      storage: { ...CARD.storage, tiers: [{ upTo: null, unitPrice: '650' }] },
      minimumCharge: '0',
      taxRate: '0.1',
    });
    const a = computeInvoice(month(Array(30).fill(TB / 2n)), termsFor(jpy, 'c@x.example'));
    expect(formatMoney(a.storageAmount, 'JPY')).toBe('325');
    expect(formatMoney(a.tax, 'JPY')).toBe('33'); // 32.5 -> 33
    expect(formatMoney(a.total, 'JPY')).toBe('358');
  });

  it('applies a per-customer override and discount only to that customer', () => {
    const c = card({ overrides: { 'vip@x.example': { discountRate: '0.10', minimumCharge: '0' } } });
    const usage = month(Array(30).fill(2n * TB));
    const vip = computeInvoice({ ...usage, email: 'vip@x.example' }, termsFor(c, 'vip@x.example'));
    const other = computeInvoice(usage, termsFor(c, 'c@x.example'));
    expect(formatMoney(other.subtotal, 'USD')).toBe('11.00');
    expect([vip.discount, vip.subtotal].map((d) => formatMoney(d, 'USD'))).toEqual(['1.10', '9.90']);
  });

  it('peak_daily and last_day bases use the peak and the last collected day', () => {
    const days = [TB, 5n * TB, 2n * TB];
    const peak = computeInvoice(
      month(days),
      termsFor(card({ storage: { ...CARD.storage, basis: 'peak_daily' } }), 'c@x.example'),
    );
    const last = computeInvoice(
      month(days),
      termsFor(card({ storage: { ...CARD.storage, basis: 'last_day' } }), 'c@x.example'),
    );
    expect(peak.storageQuantity.toString()).toBe('5');
    expect(last.storageQuantity.toString()).toBe('2');
  });

  it('binary units divide by powers of two', () => {
    const gib = card({ downloads: { unit: 'GiB', unitPrice: '1' } });
    const a = computeInvoice(month([0n], { downloadedSum: 3n * 2n ** 30n }), termsFor(gib, 'c@x.example'));
    expect(formatMoney(a.downloadAmount, 'USD')).toBe('3.00');
  });
});

const money = fc.integer({ min: 0, max: 100_000 }).map((cents) => (cents / 100).toFixed(2));
const rateCards = fc
  .record({
    currency: fc.constantFrom('USD', 'EUR', 'GBP', 'JPY'),
    bounds: fc
      .uniqueArray(fc.integer({ min: 1, max: 5_000 }), { maxLength: 3 })
      .map((b) => b.sort((x, y) => x - y)),
    prices: fc.array(money, { minLength: 4, maxLength: 4 }),
    basis: fc.constantFrom('average_daily', 'peak_daily', 'last_day'),
    unit: fc.constantFrom('GB', 'TB', 'GiB', 'TiB'),
    minimumCharge: money,
    taxRate: fc.integer({ min: 0, max: 3000 }).map((bp) => (bp / 10_000).toString()),
  })
  .map((r) => ({
    currency: r.currency,
    storage: {
      basis: r.basis,
      unit: r.unit,
      tiers: [
        ...r.bounds.map((b, i) => ({ upTo: String(b), unitPrice: r.prices[i]! })),
        { upTo: null, unitPrice: r.prices[3]! },
      ],
    },
    downloads: { unit: 'GB', unitPrice: r.prices[1]! },
    uploads: { unit: 'TB', unitPrice: r.prices[2]! },
    minimumCharge: r.minimumCharge,
    taxRate: r.taxRate,
  }));
const dailyBytes = fc.array(fc.bigInt({ min: 0n, max: 2n * 10n ** 15n }), { minLength: 1, maxLength: 31 });

describe('invoice properties', () => {
  it('total = subtotal + tax, subtotal = lines + minimum_adjustment, every amount has exactly the minor-unit digits', () => {
    fc.assert(
      fc.property(rateCards, dailyBytes, fc.bigInt({ min: 0n, max: 10n ** 17n }), (raw, days, transfer) => {
        const c = parseRateCard(JSON.stringify(raw)).card;
        const a = computeInvoice(
          month(days, { downloadedSum: transfer, uploadedSum: transfer / 3n }, 31),
          termsFor(c, 'c@x.example'),
        );
        expect(a.total.eq(a.subtotal.plus(a.tax))).toBe(true);
        expect(
          a.subtotal.eq(
            a.storageAmount.plus(a.downloadAmount).plus(a.uploadAmount).plus(a.minimumAdjustment),
          ),
        ).toBe(true);
        const digits = MINOR_UNITS[c.currency];
        for (const amount of [
          a.storageAmount,
          a.downloadAmount,
          a.uploadAmount,
          a.minimumAdjustment,
          a.subtotal,
          a.tax,
          a.total,
        ]) {
          expect(amount.decimalPlaces()).toBeLessThanOrEqual(digits);
          expect(formatMoney(amount, c.currency)).toMatch(
            digits === 0 ? /^\d+$/ : new RegExp(`^\\d+\\.\\d{${digits}}$`),
          );
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('graduated tiers equal a brute-force sum over small steps', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { maxLength: 4 }),
        fc.integer({ min: 0, max: 200 }),
        (bounds, q) => {
          const sorted = bounds.sort((x, y) => x - y);
          const tiers = [
            ...sorted.map((b, i) => ({ upTo: String(b), unitPrice: String(i + 2) })),
            { upTo: null, unitPrice: '1' },
          ];
          // Brute force: price each unit of quantity by the tier it falls in.
          let brute = 0;
          for (let unit = 0; unit < q; unit++) {
            const index = sorted.findIndex((b) => unit < b);
            brute += Number(tiers[index === -1 ? tiers.length - 1 : index]!.unitPrice);
          }
          expect(graduated(new Dec(q), tiers).toNumber()).toBe(brute);
        },
      ),
    );
  });

  it('never depends on the order of the daily rows', () => {
    fc.assert(
      fc.property(rateCards, dailyBytes, (raw, days) => {
        const terms = termsFor(parseRateCard(JSON.stringify(raw)).card, 'c@x.example');
        const reversed = [...days].reverse();
        const a = computeInvoice({ ...month(days, {}, 31), diskUsedLast: 0n }, terms);
        const b = computeInvoice({ ...month(reversed, {}, 31), diskUsedLast: 0n }, terms);
        expect(a.total.eq(b.total)).toBe(true);
      }),
    );
  });
});

describe('rate card validation', () => {
  it('names the field that is wrong', () => {
    const bad = (patch: Record<string, unknown>) => () =>
      parseRateCard(JSON.stringify({ ...CARD, ...patch }));
    expect(bad({ currency: 'XXX' })).toThrow(/currency/);
    expect(bad({ taxRate: 0.0825 })).toThrow(/taxRate/);
    expect(bad({ taxRate: '1.5' })).toThrow(/taxRate: must be at most 1/);
    expect(bad({ storage: { ...CARD.storage, tiers: [{ upTo: '1', unitPrice: '6' }] } })).toThrow(
      /storage\.tiers\.0\.upTo: the last tier must have upTo: null/,
    );
    expect(
      bad({
        storage: {
          ...CARD.storage,
          tiers: [
            { upTo: '5', unitPrice: '6' },
            { upTo: '2', unitPrice: '6' },
            { upTo: null, unitPrice: '1' },
          ],
        },
      }),
    ).toThrow(/storage\.tiers\.1\.upTo: must be greater/);
    expect(bad({ downloads: { unit: 'MB', unitPrice: '1' } })).toThrow(/downloads\.unit/);
    expect(bad({ surprise: true })).toThrow(RateCardError);
    expect(() => parseRateCard('{ not json')).toThrow(/not valid JSON/);
  });

  it('accepts a card with one tier and a tax rate of 0', () => {
    const c = card({ storage: { ...CARD.storage, tiers: [{ upTo: null, unitPrice: '5' }] }, taxRate: '0' });
    const a = computeInvoice(month(Array(30).fill(3n * TB)), termsFor(c, 'c@x.example'));
    expect([a.storageAmount, a.tax, a.total].map((d) => formatMoney(d, 'USD'))).toEqual([
      '15.00',
      '0.00',
      '15.00',
    ]);
    expect(UNIT_BYTES.TiB).toBe(2n ** 40n);
  });
});

describe('billing periods', () => {
  it('have the calendar days of the month: 28, 29 in a leap year, 30, 31', async () => {
    const { monthDays } = await import('../../lambdas/billing/month-invoices.ts');
    expect(
      [monthDays('2027-02'), monthDays('2028-02'), monthDays('2026-04'), monthDays('2026-12')].map(
        (d) => d.length,
      ),
    ).toEqual([28, 29, 30, 31]);
    expect(monthDays('2028-02').at(-1)).toBe('2028-02-29');
  });

  it('prorate the same usage by the length of the month', () => {
    const terms = termsFor(card({ minimumCharge: '0' }), 'c@x.example');
    const tenDays = (n: number) => month([...Array(n - 10).fill(0n), ...Array(10).fill(2n * TB)], {}, n);
    const amounts = [28, 29, 30, 31].map((n) =>
      formatMoney(computeInvoice(tenDays(n), terms).storageAmount, 'USD'),
    );
    // 20 TB-days / n days: 0.714.. TB, 0.689.. TB, 0.666.. TB, 0.645.. TB at $6
    expect(amounts).toEqual(['4.29', '4.14', '4.00', '3.87']);
  });
});
