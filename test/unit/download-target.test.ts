import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { downloadMonth, downloadTarget } from '../../bin/commands/reports.ts';
import type { ObjectStore } from '../../lambdas/ledger/ports.ts';

describe('reports download', () => {
  it('keeps every key under --out: no .., no absolute path, no sibling directory with the same prefix', () => {
    expect(downloadTarget('reports', 'invoices/2026-10/register-2026-10.csv')).toBe(
      join(process.cwd(), 'reports/invoices/2026-10/register-2026-10.csv'),
    );
    for (const key of [
      '../reports-evil/x.csv',
      'invoices/2026-10/../../../reports-evil/x.csv',
      '/etc/passwd',
      'invoices//x.csv',
      'invoices/./x.csv',
      'invoices\\..\\x.csv',
    ])
      expect(downloadTarget('reports', key), key).toBeNull();
  });

  it('writes the good keys and refuses the escaping ones, naming them', async () => {
    const out = mkdtempSync(join(tmpdir(), 'e2l-dl-'));
    const keys = ['invoices/2026-10/register-2026-10.csv', 'invoices/2026-10/../../../reports-evil/x.csv'];
    const store = {
      async *list(prefix: string) {
        for (const k of keys) if (k.startsWith(prefix)) yield k;
      },
      getStream: async () => Readable.from(['a,b\r\n']),
    } as unknown as ObjectStore;
    try {
      const result = await downloadMonth({ objects: store }, '2026-10', join(out, 'reports'));
      expect(result).toEqual({ written: 1, refused: [keys[1]] });
      expect(readdirSync(out)).toEqual(['reports']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
