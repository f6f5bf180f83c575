import type { Command } from 'commander';
import { listAlerts, recentRange } from '../../lambdas/alerts/alert-list.ts';
import { rangeIssues } from '../../lambdas/calendar/calendar-values.ts';
import { utcToday } from '../../lambdas/calendar/days.ts';
import { DEFAULT_DATA_DIR, openStores } from './context.ts';
import { day, UsageError } from './options.ts';
import { outputTable } from './table.ts';

export function registerAlerts(program: Command) {
  program
    .command('alerts')
    .description(
      'alerts firing now (quota, disk drops, stale usage, days missing past re-collection) and recent changes',
    )
    .option('--from <day>', 'first day of changes to list (default: 6 days ago)', day('--from'))
    .option('--to <day>', 'last day of changes to list (default: today)', day('--to'))
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      '\nAlerts are evaluated after every collection from the stored snapshots (thresholds: E2L_ALERTS); each is sent once when it fires and once when it resolves.',
    )
    .action(async (opts: { from?: string; to?: string; dataDir: string; json?: boolean }) => {
      if ((opts.from === undefined) !== (opts.to === undefined))
        throw new UsageError('--from and --to go together');
      const range =
        opts.from && opts.to ? { from: opts.from, to: opts.to } : recentRange(utcToday(new Date()));
      const issues = rangeIssues(range, { maxDays: 93 });
      if (issues.length > 0) throw new UsageError(issues.map((i) => `--${i.path}: ${i.message}`).join('; '));
      const stores = await openStores(opts.dataDir);
      try {
        const list = await listAlerts(stores.ledger, range);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        const w = (line: string) => process.stdout.write(`${line}\n`);
        w(`alerts evaluated through ${list.evaluatedThrough ?? 'never (run e2-ledger collect)'}`);
        if (list.firing.length === 0) w('none firing');
        else {
          const table = outputTable(['firing', 'customer', 'since', 'value', 'detail']);
          for (const a of list.firing)
            table.push([
              a.kind === 'quota' ? `quota ${a.level}%` : a.kind,
              a.email,
              a.firedDay,
              a.value,
              a.detail,
            ]);
          w(table.toString());
        }
        w(`\nchanges ${list.from} .. ${list.to}: ${list.transitions.length}`);
        for (const t of list.transitions.slice(-20))
          w(
            `  ${t.day} ${t.transition.padEnd(8)} ${t.kind === 'quota' ? `quota ${t.level}%` : t.kind} ${t.email}`,
          );
      } finally {
        await stores.close();
      }
    });
}
