import type { Command } from 'commander';
import { defaultWindowSettings } from '../../lambdas/collect/window.ts';
import { type LedgerStatus, ledgerStatus } from '../../lambdas/status/ledger-status.ts';
import { scheduleSchema } from '../../lambdas/status/schedule.ts';
import { DEFAULT_DATA_DIR, openStores } from './context.ts';

export function printStatus(s: LedgerStatus) {
  const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(26)}${value}\n`);
  const run = (r: LedgerStatus['lastRun']) =>
    r
      ? `${r.runId} ${r.status}, ${r.from} .. ${r.to}${r.catchUpDays.length ? ` + ${r.catchUpDays.length} catch-up day(s)` : ''}, ${r.userDaysStored} user-days stored, ${r.userDaysFailed} failed (${r.finishedAt ?? 'unfinished'})`
      : 'none yet';
  line('last nightly', run(s.lastNightly));
  line('last run', run(s.lastRun));
  line(
    `missing since ${s.missing.from}`,
    s.missing.userDays === 0
      ? 'none'
      : `${s.missing.userDays} user-day(s) of ${s.missing.customers} customer(s), oldest ${s.missing.oldest!.day} (${s.missing.oldest!.email}); ${s.missing.pastRecollectionWindow} past the re-collection window`,
  );
  const f = s.oldestUnresolvedFailure;
  line(
    'oldest unresolved failure',
    f ? `${f.email} ${f.day}: ${f.code} (${f.message}), run ${f.runId}` : 'none',
  );
  line('rate card', `${s.rateCard.key}: ${s.rateCard.present ? 'present' : 'missing'}`);
  line(
    'next nightly',
    s.nextNightly ?? 'not scheduled here (AWS schedules it; locally run e2-ledger collect from cron)',
  );
  line('next monthly invoices', s.nextMonthly ?? 'not scheduled here');
  line('last issued month', s.lastIssuedMonth ?? 'none');
}

export function registerStatus(program: Command) {
  program
    .command('status')
    .description(
      'last nightly, user-days still missing in the last 35 days, the oldest unresolved failure, what runs next',
    )
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      '\nAgainst AWS (E2L_TABLE/E2L_BUCKET set), E2L_SCHEDULE and E2L_RATE_CARD_KEY describe the deployment as its functions see it.',
    )
    .action(async (opts: { dataDir: string; json?: boolean }) => {
      const schedule = process.env.E2L_SCHEDULE
        ? scheduleSchema.parse(JSON.parse(process.env.E2L_SCHEDULE))
        : null;
      const stores = await openStores(opts.dataDir);
      try {
        const status = await ledgerStatus({
          ledger: stores.ledger,
          objects: stores.objects,
          rateCardKey: process.env.E2L_RATE_CARD_KEY?.trim() || 'config/rate-card.json',
          schedule,
          recollectDays: defaultWindowSettings.recollectDays,
          now: () => new Date(),
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        else printStatus(status);
      } finally {
        await stores.close();
      }
    });
}
