import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_MARKER } from '../../bin/commands/demo.ts';
import { spawnCli } from '../support/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'e2l-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the demo never deletes data it did not make', () => {
  it('refuses a directory without its marker and a file, touching nothing (exit 2)', async () => {
    const precious = join(root, 'precious');
    mkdirSync(join(precious, 'dynamodb'), { recursive: true });
    writeFileSync(join(precious, 'dynamodb', 'CURRENT'), 'two months of snapshots');
    const refused = await spawnCli(['demo', '--data-dir', precious]).done;
    expect(refused.end).toBe('exit 2');
    expect(refused.stderr).toMatch(/was not made by e2-ledger demo .* Nothing was touched/);
    expect(readFileSync(join(precious, 'dynamodb', 'CURRENT'), 'utf8')).toBe('two months of snapshots');
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'mine');
    expect((await spawnCli(['demo', '--data-dir', file]).done).end).toBe('exit 2');
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it('starts its own directory afresh, and the marker says whose it is', async () => {
    const dir = join(root, 'demo');
    const first = await spawnCli(['demo', '--users', '3', '--data-dir', dir]).done;
    expect(first.end, first.stderr).toBe('exit 0');
    expect(first.stdout).toMatch(/issuing \d{4}-\d{2}/);
    expect(existsSync(join(dir, DEMO_MARKER))).toBe(true);
    writeFileSync(join(dir, 'left-over'), 'x');
    expect((await spawnCli(['demo', '--users', '3', '--data-dir', dir]).done).end).toBe('exit 0');
    expect(existsSync(join(dir, 'left-over'))).toBe(false);
  }, 120_000);
});

describe('margin from the command line', () => {
  it('writes the month against the example cost card, and refuses bad input with exit 2 and nothing written', async () => {
    const dir = join(root, 'margin');
    expect((await spawnCli(['demo', '--users', '3', '--data-dir', dir]).done).end).toBe('exit 0');
    const issued = readdirSync(join(dir, 's3/e2-ledger-reports/invoices')).filter((m) =>
      existsSync(join(dir, 's3/e2-ledger-reports/invoices', m, `register-${m}.csv._S3rver_object`)),
    );
    expect(issued.length).toBeGreaterThan(0);
    const month = issued[0]!;
    const args = (...more: string[]) => ['margin', '--month', month, '--data-dir', dir, ...more];
    const rates = ['--rates', 'local/rate-card.example.json'];
    const badCard = join(root, 'bad-cost.json');
    writeFileSync(badCard, JSON.stringify({ currency: 'USD', storage: { unit: 'PB', unitPrice: '1' } }));
    const marginFile = join(
      dir,
      's3/e2-ledger-reports/invoices',
      month,
      `margin-${month}.csv._S3rver_object`,
    );
    rmSync(marginFile, { force: true });
    for (const [extra, message] of [
      [['--costs', badCard], /cost card is invalid: storage\.unit: .*minimumStorageDays/],
      [['--costs', join(root, 'absent.json')], /cannot read cost card .*absent\.json: ENOENT/],
      [
        ['--costs', 'local/cost-card.example.json', '--provider-bill', '1,234.00'],
        /--provider-bill must be an amount/,
      ],
      [[], /required options/],
    ] as const) {
      const r = await spawnCli(args(...rates, ...extra)).done;
      expect(r.end, r.stderr).toBe('exit 2');
      expect(r.stderr).toMatch(message);
      expect(existsSync(marginFile)).toBe(false);
    }
    const ok = await spawnCli(args(...rates, '--costs', 'local/cost-card.example.json', '--json')).done;
    expect(ok.end, ok.stderr).toBe('exit 0');
    const report = JSON.parse(ok.stdout) as { rows: { email: string }[]; files: string[] };
    expect(report.rows.length).toBeGreaterThan(0);
    expect(report.files).toContain(`invoices/${month}/margin-${month}.csv`);
    expect(existsSync(marginFile)).toBe(true);
  }, 120_000);
});

describe('one process per data directory', () => {
  it('a second process is told who holds the directory and exits 2 without a stack trace', async () => {
    const dir = join(root, 'shared');
    const serve = spawnCli(['serve', '--port', '0', '--data-dir', dir], {
      E2_API_URL: 'http://127.0.0.1:9',
      E2_API_TOKEN: 'unused-token-0123456789',
      E2L_ADMIN_TOKENS: 'ops:viewer:ops-token-0123456789abcdef',
    });
    await new Promise<void>((resolve) =>
      serve.child.stdout!.on('data', (d: Buffer) => /admin API on/.test(d.toString()) && resolve()),
    );
    try {
      for (const args of [['runs'], ['status'], ['collect', '--date', '2026-10-01']]) {
        const second = await spawnCli([...args, '--data-dir', dir], {
          E2_API_URL: 'http://127.0.0.1:9',
          E2_API_TOKEN: 'unused-token-0123456789',
        }).done;
        expect(second.end, args.join(' ')).toBe('exit 2');
        expect(second.stderr).toMatch(new RegExp(`is in use by e2-ledger serve \\(pid ${serve.child.pid}`));
        expect(second.stderr).not.toMatch(/\n\s+at /);
      }
    } finally {
      serve.child.kill('SIGTERM');
      await serve.done;
    }
    // Released on exit: the directory can be used again.
    expect((await spawnCli(['runs', '--data-dir', dir]).done).end).toBe('exit 0');
  }, 60_000);
});

describe('exit codes', () => {
  it('2 for bad usage, before anything is created on disk', async () => {
    const dir = join(root, 'never');
    for (const args of [
      ['collect', '--date', '2026-02-30'],
      ['collect', '--from', '2026-10-10', '--to', '2026-10-01'],
      ['collect', '--from', '2026-10-10'],
      ['invoice', '--month', '2026-13', '--rates', 'x.json'],
      ['reports', 'download', '--month', '2026-10'],
    ]) {
      const r = await spawnCli([...args, '--data-dir', dir], { E2_API_TOKEN: 'unused-token-0123456789' })
        .done;
      expect(r.end, args.join(' ')).toBe('exit 2');
    }
    expect(existsSync(dir)).toBe(false);
  }, 60_000);
});
