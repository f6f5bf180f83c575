import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueInvoices } from '../../lambdas/billing/invoicing.ts';
import { monthDays } from '../../lambdas/billing/month-invoices.ts';
import type { UsageSnapshot } from '../../lambdas/ledger/model.ts';
import type { LedgerStore } from '../../lambdas/ledger/ports.ts';
import { parseCsv } from '../../lambdas/reports/csv.ts';
import { INVOICE_COLUMNS, REGISTER_COLUMNS } from '../../lambdas/reports/layout.ts';
import { createDocumentClient, createS3Client } from '../../lambdas/store/aws-clients.ts';
import { dynamoLedgerStore } from '../../lambdas/store/dynamo-ledger-store.ts';
import { S3ObjectStore } from '../../lambdas/store/s3-object-store.ts';
import { type LocalStores, startLocalStores } from '../../local/stores/local-stores.ts';

// For random sequences of (usage change, rate change, issue) steps: no document number ever appears
// with two different amounts in any file ever written; an issued file never changes; every numbering
// sequence stays gapless; each customer's register net equals the latest computation (done here on
// bigints, independently). Each run bills its own month, so runs never see each other's documents.

const CUSTOMERS = ['ann@p.example', 'bob@p.example', 'cy@p.example', 'di@p.example'];
const TB = 10n ** 12n;
const GB = 10n ** 9n;

let stores: LocalStores;
let ledger: LedgerStore;
let objects: S3ObjectStore;
let runs = 0;

beforeAll(async () => {
  stores = await startLocalStores();
  ledger = dynamoLedgerStore(createDocumentClient(stores.connection), stores.table);
  objects = new S3ObjectStore(createS3Client(stores.connection), stores.bucket);
});
afterAll(() => stores.stop());

const card = (priceCents: bigint) =>
  JSON.stringify({
    currency: 'USD',
    storage: {
      basis: 'average_daily',
      unit: 'TB',
      tiers: [
        { upTo: null, unitPrice: `${priceCents / 100n}.${String(priceCents % 100n).padStart(2, '0')}` },
      ],
    },
    downloads: { unit: 'GB', unitPrice: '0.01' },
    uploads: { unit: 'GB', unitPrice: '0' },
    minimumCharge: '0',
    taxRate: '0',
  });

const step = fc.oneof(
  fc.record({
    kind: fc.constant('usage' as const),
    customer: fc.integer({ min: 0, max: 3 }),
    day: fc.integer({ min: 0, max: 27 }),
    tb: fc.integer({ min: 0, max: 40 }),
  }),
  fc.record({ kind: fc.constant('rates' as const), priceCents: fc.constantFrom(500n, 400n, 650n) }),
  fc.record({ kind: fc.constant('issue' as const) }),
);

describe('the invoice lifecycle under random corrections', () => {
  it('never gives a number two sets of amounts, never rewrites an issued file, and nets to the latest computation', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 7 }), async (steps) => {
        runs++;
        const month = `${2000 + Math.floor(runs / 12)}-${String((runs % 12) + 1).padStart(2, '0')}`;
        const days = monthDays(month);
        const disk = new Map(CUSTOMERS.map((c, i) => [c, days.map(() => BigInt(i + 1) * TB)]));
        const down = new Map(CUSTOMERS.map((c, i) => [c, days.map(() => BigInt(i) * 7n * GB)]));
        let price = 500n;
        const snapshot = (email: string, d: number): UsageSnapshot => ({
          email,
          day: days[d]!,
          diskUsedBytes: Number(disk.get(email)![d]!),
          uploadedBytes: 0,
          downloadedBytes: Number(down.get(email)![d]!),
          storageQuotaGb: 0,
          isActive: true,
          isSignedUp: true,
          activityCount: 0,
          usageSource: 'api',
          runId: '20000101T000000Z-aaaaaa',
          collectedAt: '2000-01-01T00:00:00.000Z',
        });
        await ledger.putSnapshots(CUSTOMERS.flatMap((c) => days.map((_, d) => snapshot(c, d))));

        const amountsOf = new Map<string, string>();
        const fileHashes = new Map<string, string>();
        const observe = async () => {
          for await (const key of objects.list(`invoices/${month}/`)) {
            const text = (await objects.getText(key))!;
            const hash = createHash('sha256').update(text).digest('hex');
            if (key.includes('/issues/')) {
              if (fileHashes.has(key)) expect(hash, `${key} was rewritten`).toBe(fileHashes.get(key));
              fileHashes.set(key, hash);
            }
            if (!key.endsWith('.csv')) continue;
            const rows = parseCsv(text);
            const columns = rows[0]!;
            const number = columns.indexOf(
              columns.includes('document_number') ? 'document_number' : 'invoice_number',
            );
            const money = ['subtotal', 'tax', 'total'].map((c) => columns.indexOf(c));
            for (const r of rows.slice(1)) {
              const amounts = money.map((i) => r[i]).join('/');
              const seen = amountsOf.get(r[number]!);
              if (seen !== undefined) expect(amounts, `${r[number]} in ${key}`).toBe(seen);
              amountsOf.set(r[number]!, amounts);
            }
          }
        };
        const issue = async () => {
          await issueInvoices(
            {
              ledger,
              objects,
              now: () => new Date('2030-01-01T00:00:00Z'),
              principal: 'property',
              graceDays: 3,
            },
            { month, rateCardText: card(price) },
          );
          await observe();
        };

        for (const s of steps) {
          if (s.kind === 'usage') {
            const email = CUSTOMERS[s.customer]!;
            disk.get(email)![s.day] = BigInt(s.tb) * TB;
            await ledger.putSnapshots([snapshot(email, s.day)]);
          } else if (s.kind === 'rates') price = s.priceCents;
          else await issue();
        }
        await issue();

        const documents = await ledger.monthDocuments(month);
        const bySequence = new Map<string, number[]>();
        for (const d of documents)
          bySequence.set(d.sequence, [...(bySequence.get(d.sequence) ?? []), d.position]);
        for (const [sequence, positions] of bySequence)
          expect(
            positions.sort((a, b) => a - b),
            sequence,
          ).toEqual(positions.map((_, i) => i + 1));

        const register = parseCsv((await objects.getText(`invoices/${month}/register-${month}.csv`))!);
        const c = (n: (typeof REGISTER_COLUMNS)[number]) => REGISTER_COLUMNS.indexOf(n);
        const net = new Map<string, bigint>();
        for (const r of register.slice(1))
          net.set(r[c('email')]!, (net.get(r[c('email')]!) ?? 0n) + BigInt(r[c('total')]!.replace('.', '')));
        const half = (n: bigint, d: bigint) => (2n * n + d) / (2n * d);
        for (const email of CUSTOMERS) {
          const diskSum = disk.get(email)!.reduce((a, b) => a + b, 0n);
          const downSum = down.get(email)!.reduce((a, b) => a + b, 0n);
          const expected = half(diskSum * price, BigInt(days.length) * TB) + half(downSum, GB);
          expect(net.get(email) ?? 0n, email).toBe(expected);
        }
        expect(INVOICE_COLUMNS[0]).toBe('invoice_number');
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
