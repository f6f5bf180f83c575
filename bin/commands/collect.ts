import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { utcToday } from '../../lambdas/calendar/days.ts';
import { RunFailedError, type RunResult, runCollection } from '../../lambdas/collect/run-collection.ts';
import {
  type CollectionRequest,
  CollectionRequestError,
  defaultWindowSettings,
  runRange,
} from '../../lambdas/collect/window.ts';
import type { E2Client } from '../../lambdas/e2/client.ts';
import { E2UsageSource } from '../../lambdas/e2/usage-source.ts';
import type { Stores } from './context.ts';
import { alertDeps, DEFAULT_DATA_DIR, isInteractive, openE2, openStores } from './context.ts';
import { day, nonNegativeInt, positiveInt, UsageError } from './options.ts';
import { outputTable } from './table.ts';

export type CollectOptions = {
  date?: string;
  from?: string;
  to?: string;
  dataDir: string;
  concurrency: number;
  recollectDays: number;
  onlyMissing?: boolean;
  json?: boolean;
};

export function collectionRequest(
  opts: Pick<CollectOptions, 'date' | 'from' | 'to' | 'onlyMissing'>,
): CollectionRequest {
  if (opts.date && (opts.from || opts.to)) throw new UsageError('use either --date or --from/--to, not both');
  const onlyMissing = Boolean(opts.onlyMissing);
  if (opts.date) return { kind: 'backfill', from: opts.date, to: opts.date, onlyMissing };
  if (opts.from || opts.to) {
    if (!opts.from || !opts.to) throw new UsageError('--from and --to go together');
    return { kind: 'backfill', from: opts.from, to: opts.to, onlyMissing };
  }
  if (onlyMissing)
    throw new UsageError(
      '--only-missing goes with --date or --from/--to (a nightly collects what is missing anyway)',
    );
  return { kind: 'nightly' };
}

/** A backfill's range against the window rules, in the words of the flags the user gave. */
export function checkRequest(
  request: CollectionRequest,
  opts: Pick<CollectOptions, 'date'>,
  recollectDays: number,
): void {
  try {
    runRange(request, utcToday(new Date()), { ...defaultWindowSettings, recollectDays });
  } catch (error) {
    if (!(error instanceof CollectionRequestError)) throw error;
    const flag = opts.date ? '--date' : `--${error.field}`;
    throw new UsageError(`${flag}: ${error.message}`);
  }
}

/** Runs a collection with a progress bar on a terminal. Shared by `collect` and `demo`. */
export async function runWithProgress(
  e2: E2Client,
  stores: Stores,
  request: CollectionRequest,
  opts: { concurrency: number; recollectDays: number; label: string },
): Promise<RunResult> {
  const bar = isInteractive()
    ? new SingleBar({
        format: `${opts.label} [{bar}] {value}/{total} users | {eta_formatted} left`,
        hideCursor: true,
        stream: process.stderr,
      })
    : null;
  let started = false;
  try {
    return await runCollection(
      {
        source: new E2UsageSource(e2),
        ledger: stores.ledger,
        objects: stores.objects,
        ...(stores.auditObjects ? { auditObjects: stores.auditObjects } : {}),
        now: () => new Date(),
        concurrency: opts.concurrency,
        settings: { ...defaultWindowSettings, recollectDays: opts.recollectDays },
        alerts: alertDeps(stores, opts.recollectDays),
        onProgress: ({ usersDone, usersTotal }) => {
          if (!bar) return;
          if (!started) {
            bar.start(usersTotal, 0);
            started = true;
          }
          bar.update(usersDone);
        },
      },
      request,
    );
  } finally {
    if (started) bar?.stop();
  }
}

export function printRun(result: RunResult, json: boolean | undefined, elapsedMs: number) {
  const s = result.summary;
  if (json) {
    const failures = result.outcomes
      .filter((o) => o.failures.length > 0)
      .map((o) => ({ email: o.email, failures: o.failures }));
    process.stdout.write(
      `${JSON.stringify({ summary: s, failures, alerts: alertsJson(result), elapsedMs }, null, 2)}\n`,
    );
    return;
  }
  const table = outputTable([
    'run',
    'range',
    'users',
    'skipped',
    'user-days stored',
    'user-days failed',
    'activity rows',
    'API requests',
    'time',
  ]);
  table.push([
    s.runId,
    `${s.from} .. ${s.to}`,
    s.users,
    s.usersSkipped,
    s.userDaysStored,
    s.userDaysFailed,
    s.activityRows,
    `${s.apiRequests} (${s.apiRetries} retried)`,
    `${(elapsedMs / 1000).toFixed(1)} s`,
  ]);
  process.stdout.write(`${table.toString()}\n`);
  const failed = result.outcomes.filter((o) => o.failures.length > 0);
  if (failed.length > 0) {
    process.stdout.write(
      `\n${s.userDaysFailed} user-days could not be collected (they stay missing; run again to complete them):\n`,
    );
    for (const o of failed.slice(0, 20)) {
      const codes = [...new Set(o.failures.map((f) => f.code))].join(', ');
      process.stdout.write(`  ${o.email}: ${o.failures.length} day(s), ${codes}\n`);
    }
    if (failed.length > 20)
      process.stdout.write(`  ... and ${failed.length - 20} more users (e2-ledger runs --json)\n`);
  }
  if (s.error) process.stdout.write(`\n${s.error}\n`);
  printAlerts(result);
}

/** The alerts after the run, as JSON (`collect --json`). */
export function alertsJson(result: RunResult) {
  const a = result.alerts;
  if (!a) return null;
  if (!a.evaluated) return { evaluated: false, day: a.day, reason: a.reason };
  return {
    evaluated: true,
    day: a.day,
    transitions: a.transitions,
    firing: a.firing.map(({ pending: _p, ...s }) => s),
    file: a.file.key,
    notifyError: a.notifyError,
  };
}

function printAlerts(result: RunResult) {
  const a = result.alerts;
  if (!a) return;
  const w = (line: string) => process.stdout.write(`${line}\n`);
  if (!a.evaluated) {
    w(`\nalerts not evaluated for ${a.day}: ${a.reason}`);
    return;
  }
  const fired = a.transitions.filter((t) => t.transition !== 'resolved').length;
  const resolved = a.transitions.length - fired;
  w(
    `\nalerts on ${a.day}: ${a.firing.length} firing (${fired} new or changed, ${resolved} resolved; each printed above as it was sent); ${a.file.key}`,
  );
  if (a.firing.length > 0) w('  e2-ledger alerts   lists them');
  if (a.notifyError) w(`  sending failed (${a.notifyError}); they are sent again after the next run`);
}

export function registerCollect(program: Command) {
  program
    .command('collect')
    .description(
      'collect usage_stats and activity for every user into daily snapshots, then write the daily exports',
    )
    .option('--date <day>', 'collect one UTC day (YYYY-MM-DD)', day('--date'))
    .option('--from <day>', 'first day of a backfill', day('--from'))
    .option('--to <day>', 'last day of a backfill (at most yesterday)', day('--to'))
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .option(
      '--concurrency <n>',
      'IDrive requests in flight at once (users and days side by side)',
      positiveInt('--concurrency', 256),
      16,
    )
    .option(
      '--recollect-days <n>',
      'days before yesterday always collected again',
      nonNegativeInt('--recollect-days', 31),
      3,
    )
    .option('--only-missing', 'a backfill that collects only the days not stored yet (resume a long one)')
    .option('--json', 'print the run as JSON')
    .addHelpText(
      'after',
      '\nReads E2_API_URL and E2_API_TOKEN. Without --date/--from/--to: yesterday plus the re-collection window, and catch-up for missed nights.\nExit status 0 when every user-day is stored or skipped for a documented reason, 1 otherwise.',
    )
    .action(async (opts: CollectOptions) => {
      const request = collectionRequest(opts);
      // Checked before anything is opened or created on disk.
      checkRequest(request, opts, opts.recollectDays);
      const e2 = openE2({ maxConcurrency: opts.concurrency });
      const stores = await openStores(opts.dataDir);
      const started = Date.now();
      try {
        const result = await runWithProgress(e2, stores, request, {
          concurrency: opts.concurrency,
          recollectDays: opts.recollectDays,
          label: 'collecting',
        });
        printRun(result, opts.json, Date.now() - started);
        process.exitCode = result.summary.status === 'succeeded' ? 0 : 1;
      } catch (error) {
        if (error instanceof RunFailedError) {
          process.stderr.write(`e2-ledger: run ${error.summary.runId} failed: ${error.message}\n`);
          process.exitCode = 1;
        } else throw error;
      } finally {
        await e2.close();
        await stores.close();
      }
    });
}
