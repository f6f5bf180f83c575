import type { Command } from 'commander';
import { defaultWindowSettings } from '../../lambdas/collect/window.ts';
import { E2UsageSource } from '../../lambdas/e2/usage-source.ts';
import { parseAdminTokens, startAdminServer } from '../../local/admin/admin-server.ts';
import { LocalRunLauncher } from '../../local/admin/local-run-launcher.ts';
import { alertDeps, DEFAULT_DATA_DIR, openE2, openStores } from './context.ts';
import { nonNegativeInt } from './options.ts';

export function registerServe(program: Command) {
  program
    .command('serve')
    .description('serve the admin HTTP API on 127.0.0.1 (bearer tokens from E2L_ADMIN_TOKENS)')
    .option('--port <port>', 'TCP port', nonNegativeInt('--port', 65_535), 8787)
    .option(
      '--host <host>',
      'address to bind (keep 127.0.0.1 unless a proxy with TLS fronts it)',
      '127.0.0.1',
    )
    .option('--data-dir <dir>', 'where the embedded default keeps its data', DEFAULT_DATA_DIR)
    .addHelpText(
      'after',
      '\nReads E2_API_URL, E2_API_TOKEN and E2L_ADMIN_TOKENS (name:role:token entries, comma-separated; role viewer, operator or admin). Routes: GET /openapi.json.',
    )
    .action(async (opts: { port: number; host: string; dataDir: string }) => {
      const tokens = parseAdminTokens(process.env.E2L_ADMIN_TOKENS);
      const e2 = openE2();
      const stores = await openStores(opts.dataDir);
      const log = {
        error: (message: string, detail: Record<string, unknown>) =>
          process.stderr.write(`${JSON.stringify({ level: 'error', message, ...detail })}\n`),
      };
      const deps = {
        e2,
        source: new E2UsageSource(e2),
        ledger: stores.ledger,
        objects: stores.objects,
        now: () => new Date(),
        // Nothing is scheduled on a laptop: status says so instead of inventing a time.
        status: {
          rateCardKey: 'config/rate-card.json',
          schedule: null,
          recollectDays: defaultWindowSettings.recollectDays,
        },
        limits: { maxRunDays: defaultWindowSettings.maxRunDays },
        concurrency: 8,
        settings: defaultWindowSettings,
        alerts: alertDeps(stores, defaultWindowSettings.recollectDays),
      };
      const launcher = new LocalRunLauncher(deps, (runId, error) =>
        log.error('backfill failed', { runId, message: (error as Error).message }),
      );
      const server = await startAdminServer({
        ctx: { ...deps, launcher },
        tokens,
        port: opts.port,
        host: opts.host,
        log,
      });
      process.stdout.write(
        `e2-ledger admin API on ${server.url} (${tokens.size} token(s): ${[...tokens.keys()].join(', ')}); data in ${stores.where}\n`,
      );
      // SIGTERM with a backfill in flight: stop taking requests, stop the run between days (it is
      // recorded as interrupted and resumable), then close the stores and release the directory.
      const stop = async () => {
        const closing = server.close();
        server.server.closeIdleConnections();
        await launcher.stop();
        await closing;
        await e2.close();
        await stores.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
