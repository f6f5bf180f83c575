import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { monthReports } from '../../lambdas/reports/month-reports.ts';
import { DEFAULT_DATA_DIR, openStores } from './context.ts';
import { month } from './options.ts';

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
      let files = 0;
      try {
        for await (const { store, key } of monthReports(stores, opts.month)) {
          const target = normalize(join(opts.out, key));
          if (!target.startsWith(normalize(opts.out)))
            throw new Error(`refusing to write outside --out: ${key}`);
          const body = await store.getStream(key);
          if (!body) continue;
          await streamToFile(body, target);
          files++;
        }
        process.stdout.write(`${files} report file(s) for ${opts.month} written under ${opts.out}\n`);
        if (files === 0) process.stdout.write(`nothing stored for ${opts.month} in ${stores.where}\n`);
      } finally {
        await stores.close();
      }
    });
}

async function streamToFile(stream: Readable, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await pipeline(stream, createWriteStream(path));
}
