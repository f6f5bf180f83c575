import type { Command } from 'commander';
import { failuresWithResolution } from '../../lambdas/status/failures.ts';
import { DEFAULT_DATA_DIR, openStores } from './context.ts';
import { positiveInt } from './options.ts';
import { outputTable } from './table.ts';

export function registerRuns(program: Command) {
  program
    .command('runs')
    .description('show recent collection runs and their per-user failures')
    .option('--last <n>', 'how many runs', positiveInt('--last', 1000), 10)
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .option('--json', 'print as JSON')
    .action(async (opts: { last: number; dataDir: string; json?: boolean }) => {
      const stores = await openStores(opts.dataDir);
      try {
        const runs = await stores.ledger.listRuns(opts.last);
        // Each failure says whether a later run has stored its day since.
        const detailed = await Promise.all(
          runs.map(async (run) => ({
            run,
            failed: await failuresWithResolution(stores.ledger, await stores.ledger.userOutcomes(run.runId)),
          })),
        );
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(
              detailed.map((d) => ({ ...d.run, failures: d.failed })),
              null,
              2,
            )}\n`,
          );
          return;
        }
        if (runs.length === 0) {
          process.stdout.write(`no runs yet in ${stores.where}\n`);
          return;
        }
        const table = outputTable([
          'run',
          'kind',
          'window',
          'catch-up',
          'status',
          'users',
          'user-days stored',
          'failed',
          'activity rows',
          'started',
          'finished',
        ]);
        for (const { run } of detailed) {
          table.push([
            run.runId,
            run.kind,
            `${run.from} .. ${run.to}`,
            run.catchUpDays?.length
              ? `${run.catchUpDays[0]} .. ${run.catchUpDays.at(-1)} (${run.catchUpDays.length})`
              : '-',
            run.status,
            run.users,
            run.userDaysStored,
            run.userDaysFailed,
            run.activityRows,
            run.startedAt,
            run.finishedAt ?? '(unfinished)',
          ]);
        }
        process.stdout.write(`${table.toString()}\n`);
        for (const { run, failed } of detailed) {
          if (failed.length === 0 && !run.error) continue;
          process.stdout.write(`\n${run.runId}${run.error ? `: ${run.error}` : ''}\n`);
          for (const o of failed) {
            for (const f of o.failures)
              process.stdout.write(
                `  ${o.email} ${f.day} ${f.code} (attempts ${f.attempts}): ${f.message}${f.resolvedBy ? ` [resolved by ${f.resolvedBy}]` : ' [still missing]'}\n`,
              );
          }
        }
      } finally {
        await stores.close();
      }
    });
}
