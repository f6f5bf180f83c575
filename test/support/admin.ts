import { defaultWindowSettings } from '../../lambdas/collect/window.ts';
import type { E2Client } from '../../lambdas/e2/client.ts';
import { DEFAULT_SCHEDULE } from '../../lambdas/status/schedule.ts';
import { parseAdminTokens, startAdminServer } from '../../local/admin/admin-server.ts';
import { LocalRunLauncher } from '../../local/admin/local-run-launcher.ts';
import { startLedger } from './ledger.ts';

export const ADMIN_TOKEN = 'alice-token-0123456789abcdef';
export const VIEWER_TOKEN = 'vera-token-0123456789abcdef';
export const OPERATOR_TOKEN = 'otto-token-0123456789abcdef';

/** Simulator + local stores + the admin API on a free port, with a recording logger. */
export async function startAdmin(today = '2026-11-01', users = 12, token?: string) {
  const env = await startLedger({ today, users, historyStart: '2026-09-01', ...(token ? { token } : {}) });
  const logs: string[] = [];
  const log = {
    error: (message: string, detail: Record<string, unknown>) =>
      void logs.push(JSON.stringify({ message, ...detail })),
  };
  const deps = env.deps();
  const launcher = new LocalRunLauncher(deps, (runId, error) =>
    log.error('backfill failed', { runId, message: (error as Error).message }),
  );
  // A clock that moves a millisecond per reading, so audit records keep the order they were made in.
  let tick = 0;
  const ctx = {
    ...deps,
    launcher,
    now: () => new Date(Date.parse(`${today}T03:00:00Z`) + tick++),
    status: { rateCardKey: 'config/rate-card.json', schedule: DEFAULT_SCHEDULE, recollectDays: 3 },
    limits: { maxRunDays: 400 },
  };
  const server = await startAdminServer({
    ctx,
    tokens: parseAdminTokens(
      `alice:admin:${ADMIN_TOKEN},bob:admin:bob-token-0123456789abcdef,vera:viewer:${VIEWER_TOKEN},otto:operator:${OPERATOR_TOKEN}`,
    ),
    port: 0,
    log,
  });

  async function call(
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; token?: string | null; contentType?: string } = {},
  ) {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, text, json: text ? JSON.parse(text) : null, headers: response.headers };
  }

  return {
    env,
    ctx,
    logs,
    log,
    server,
    call,
    e2: deps.e2 as E2Client,
    launcher,
    settings: defaultWindowSettings,
    async stop() {
      await launcher.drain();
      await server.close();
      await env.stop();
    },
  };
}
