import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
