import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysBetween } from '../../lambdas/calendar/days.ts';
import { parseCsv } from '../../lambdas/reports/csv.ts';
import { REGISTER_COLUMNS } from '../../lambdas/reports/layout.ts';
import { commandWorks } from '../support/aws/processes.ts';
import { startReferenceLedger } from '../support/reference-ledger.ts';
import type { ReferenceFixture } from '../support/reference-server.ts';

// Issue 11's acceptance: collect a month from a server written from the reference (not our
// simulator), issue it, change one customer's usage upstream for one day, re-collect that day, and
// issue again. The expected amounts are computed here from the server's data, independently.

const TOKEN = 'reference-token-0123456789';
const OCTOBER = daysBetween('2026-10-01', '2026-10-31');
const TB = 10n ** 12n;
const usage: ReferenceFixture['usage'] = {};
const put = (email: string, day: string, disk: number, up: number, down: number) => {
  usage[email] ??= {};
  usage[email]![day] = [disk, up, down];
};
for (const [i, day] of OCTOBER.entries()) {
  put('alice@ref.example', day, 1.2e15 + i * 1e12, 1e12, 5e11); // a petabyte account: doubles past 2^53 / 8
  put('bob@ref.example', day, 3e12, 0, 2e10);
  if (day >= '2026-10-20') put('carol@ref.example', day, 8e11 * (i - 18), 8e11, 0); // created on the 20th
  put('erin@ref.example', day, 1e9, 0, 0); // disabled, tiny: the minimum charge applies
}
const fixture: ReferenceFixture = {
  users: [
    {
      email: 'alice@ref.example',
      first_name: 'Alice',
      last_name: 'Ånström',
      created: '2026-08-01 09:00:00',
      signed_up: true,
      active: true,
      quota_gb: 0,
    },
    {
      email: 'bob@ref.example',
      first_name: 'Bob',
      last_name: 'Smith, Jr.',
      created: '2026-09-15 12:30:00',
      signed_up: true,
      active: true,
      quota_gb: 5000,
    },
    {
      email: 'carol@ref.example',
      first_name: '=Carol',
      last_name: null,
      created: '2026-10-20 10:00:00',
      signed_up: true,
      active: true,
      quota_gb: 0,
    },
    {
      email: 'dave@ref.example',
      first_name: 'Dave',
      last_name: null,
      created: '2026-10-05 08:00:00',
      signed_up: false,
      active: true,
      quota_gb: 100,
    },
    {
      email: 'erin@ref.example',
      first_name: 'Erin',
      last_name: 'Ng',
      created: '2026-07-01 00:00:00',
      signed_up: true,
      active: false,
      quota_gb: 10,
    },
  ],
  usage,
  activity: {
    'alice@ref.example': { '2026-10-03': 250, '2026-10-04': 3 },
    'bob@ref.example': { '2026-10-10': 1 },
  },
};

/** The example rate card's terms, as rationals on bigints (cents): the test's own arithmetic. */
function expectedCents(email: string, data: ReferenceFixture['usage']): { total: bigint } | null {
  const days = data[email];
  if (!days) return null;
  let disk = 0n;
  let down = 0n;
  for (const day of OCTOBER) {
    const row = days[day];
    if (!row) continue;
    disk += BigInt(Math.round(row[0]));
    down += BigInt(Math.round(row[2]));
  }
  // Average TB over 31 days, tiers 6.00 to 1 TB, 5.00 to 10 TB, 4.50 beyond (prices in cents).
  const n = disk; // TB = n / (31 * TB)
  const d = 31n * TB;
  const tiers: [bigint, bigint][] = [
    [1n, 600n],
    [10n, 500n],
    [10n ** 30n, 450n],
  ];
  let storageNum = 0n; // in cents * d
  let floor = 0n;
  for (const [ceiling, price] of tiers) {
    const top = n < ceiling * d ? n : ceiling * d;
    if (top > floor * d) storageNum += (top - floor * d) * price;
    floor = ceiling;
  }
  const half = (num: bigint, den: bigint) => (2n * num + den) / (2n * den);
  const storage = half(storageNum, d);
  const download = half(down, 10n ** 9n); // 0.01 USD per GB = 1 cent per 10^9 bytes
  const lines = storage + download;
  const subtotal = lines < 250n ? 250n : lines;
  const tax = half(subtotal * 825n, 10_000n);
  return { total: subtotal + tax };
}
const money = (cents: bigint) => `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;

const hasPython = commandWorks('python3', ['-c', 'import http.server']);
let ref: Awaited<ReturnType<typeof startReferenceLedger>>;
const RATE_CARD = readFileSync(new URL('../../local/rate-card.example.json', import.meta.url), 'utf8');

beforeAll(async () => {
  if (!hasPython) return;
  ref = await startReferenceLedger(fixture, TOKEN);
}, 60_000);

afterAll(async () => {
  await ref?.stop();
});

const collect = (from: string, to: string) => ref.collect(from, to);
const issue = () => ref.issue('2026-10', RATE_CARD);

describe.runIf(hasPython)('invoice corrections against a server that follows the reference', () => {
  it('leaves the first invoice untouched, cancels it with a credit note, and issues the new amounts exactly', async () => {
    expect((await collect('2026-10-01', '2026-10-31')).summary.status).toBe('succeeded');
    const first = await issue();
    expect(first.created.map((d) => d.email)).toEqual([
      'alice@ref.example',
      'bob@ref.example',
      'carol@ref.example',
      'erin@ref.example',
    ]);
    for (const d of first.created)
      expect(d.amounts.total, d.email).toBe(money(expectedCents(d.email, usage)!.total));
    const firstFile = (await ref.objects.getText(first.files!.documents.key))!;
    const bobFirst = first.created.find((d) => d.email === 'bob@ref.example')!;

    // IDrive corrects one day of Bob's storage; the day is collected again.
    await ref.server.setUsage('bob@ref.example', '2026-10-10', { disk_used: 9e12 });
    usage['bob@ref.example']!['2026-10-10'] = [9e12, 0, 2e10];
    expect((await collect('2026-10-10', '2026-10-10')).summary.status).toBe('succeeded');
    const second = await issue();

    expect(await ref.objects.getText(first.files!.documents.key)).toBe(firstFile);
    expect(second.created.map((d) => [d.type, d.email, d.references])).toEqual([
      ['credit_note', 'bob@ref.example', bobFirst.number],
      ['invoice', 'bob@ref.example', null],
    ]);
    expect(second.created[0]!.amounts.total).toBe(`-${bobFirst.amounts.total}`);
    expect(second.created[1]!.amounts.total).toBe(money(expectedCents('bob@ref.example', usage)!.total));
    expect(second.unchanged).toEqual(['alice@ref.example', 'carol@ref.example', 'erin@ref.example']);

    const rows = parseCsv((await ref.objects.getText(second.register.register.key))!);
    const c = (name: (typeof REGISTER_COLUMNS)[number]) => REGISTER_COLUMNS.indexOf(name);
    const net = new Map<string, bigint>();
    for (const r of rows.slice(1))
      net.set(r[c('email')]!, (net.get(r[c('email')]!) ?? 0n) + BigInt(r[c('total')]!.replace('.', '')));
    for (const email of ['alice@ref.example', 'bob@ref.example', 'carol@ref.example', 'erin@ref.example'])
      expect(money(net.get(email)!), email).toBe(money(expectedCents(email, usage)!.total));
    expect(net.has('dave@ref.example')).toBe(false); // invited, never signed up: never invoiced
  });
});
