import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { ObjectStore } from '../../lambdas/ledger/ports.ts';
import { monthReports } from '../../lambdas/reports/month-reports.ts';
import { DEFAULT_DATA_DIR, openStores } from './context.ts';
import { month } from './options.ts';

/** Where a key goes under `out`, or null when it would land outside it (S3 keeps `..` in keys). */
export function downloadTarget(out: string, key: string): string | null {
  const segments = key.split('/');
  if (isAbsolute(key) || key.includes('\\') || segments.some((s) => s === '..' || s === '.' || s === ''))
    return null;
  const root = resolve(out);
  const target = resolve(root, ...segments);
  return target.startsWith(root + sep) ? target : null;
}

/** Every report of a month under `out`; keys that would escape it are refused and reported. */
export async function downloadMonth(
  stores: { objects: ObjectStore; auditObjects?: ObjectStore | undefined },
  monthValue: string,
  out: string,
): Promise<{ written: number; refused: string[] }> {
  let written = 0;
  const refused: string[] = [];
  for await (const { store, key } of monthReports(stores, monthValue)) {
    const target = downloadTarget(out, key);
    if (target === null) {
      refused.push(key);
      continue;
    }
    const body = await store.getStream(key);
    if (!body) continue;
    await streamToFile(body, target);
    written++;
  }
  return { written, refused };
}

export function registerReports(program: Command) {
  const reports = program
    .command('reports')
    .description('finance reports: daily usage, audit activity and invoices');
  reports
    .command('download')
    .description('download every report of a month under --out, keeping each key as its path')
    .requiredOption('--month <month>', 'YYYY-MM', month('--month'))
    .requiredOption('--out <dir>', 'directory to write into')
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .action(async (opts: { month: string; out: string; dataDir: string }) => {
      const stores = await openStores(opts.dataDir);
      try {
        const { written, refused } = await downloadMonth(stores, opts.month, opts.out);
        process.stdout.write(`${written} report file(s) for ${opts.month} written under ${opts.out}\n`);
        if (written === 0 && refused.length === 0)
          process.stdout.write(`nothing stored for ${opts.month} in ${stores.where}\n`);
        if (refused.length > 0) {
          process.stderr.write(
            `e2-ledger: refused ${refused.length} key(s) that would be written outside ${opts.out}: ${refused.slice(0, 5).join(', ')}\n`,
          );
          process.exitCode = 1;
        }
      } finally {
        await stores.close();
      }
    });
}

async function streamToFile(stream: Readable, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await pipeline(stream, createWriteStream(path));
}
