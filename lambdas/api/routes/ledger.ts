import * as z from 'zod';
import { listAlerts, recentRange } from '../../alerts/alert-list.ts';
import { calendarDay, calendarMonth, rangeIssues } from '../../calendar/calendar-values.ts';
import { minusDays, utcToday } from '../../calendar/days.ts';
import { newRunId, queuedRun, RUN_ID_PATTERN } from '../../collect/run-collection.ts';
import { monthReports } from '../../reports/month-reports.ts';
import { failuresWithResolution } from '../../status/failures.ts';
import { ledgerStatus } from '../../status/ledger-status.ts';
import { badRequest, HttpError } from '../http-error.ts';
import { ok, optionalDayRange, p, type Route } from '../route.ts';

/** The ledger's own resources: reports, collection runs, status and the audit trail. */
export const ledgerRoutes: readonly Route[] = [
  {
    id: 'reports.list',
    role: 'viewer',
    method: 'GET',
    path: '/reports',
    summary: "A month's reports with download links valid for 15 minutes",
    query: z.object({ month: calendarMonth }).strict(),
    mutating: false,
    handle: async (ctx, i) => {
      const reports: { key: string; url: string }[] = [];
      for await (const { store, key } of monthReports(ctx, String(i.query.month))) {
        reports.push({ key, url: await store.presignGet(key, 900) });
      }
      return ok({ month: i.query.month, expiresInSeconds: 900, reports });
    },
  },
  {
    id: 'runs.start',
    role: 'operator',
    method: 'POST',
    path: '/runs',
    summary: 'Start a backfill collection of from..to',
    body: z
      .object({
        from: calendarDay,
        to: calendarDay,
        /** Only the days not stored yet; by default every day of the range is collected again. */
        onlyMissing: z.boolean().optional(),
      })
      .strict(),
    mutating: true,
    target: (i) => `${String(i.body.from)}..${String(i.body.to)}`,
    // Bounded and complete days only: refused before a run is recorded, audited or started.
    check: (ctx, i) => {
      const yesterday = minusDays(utcToday(ctx.now()), 1);
      const range = { from: String(i.body.from), to: String(i.body.to) };
      const issues = rangeIssues(range, { maxDays: ctx.limits.maxRunDays, latest: yesterday });
      if (issues.length > 0)
        throw badRequest(
          `invalid body: ${issues.map((x) => `body.${x.path}: ${x.message}`).join('; ')}`,
          issues.map((x) => ({ field: `body.${x.path}`, message: x.message })),
        );
    },
    handle: async (ctx, i) => {
      const request = {
        kind: 'backfill',
        from: String(i.body.from),
        to: String(i.body.to),
        onlyMissing: i.body.onlyMissing === true,
      } as const;
      // The id is the run record's, the execution's name and what GET /runs/{runId} takes.
      const runId = newRunId(ctx.now());
      const queued = queuedRun(runId, request, ctx.now());
      await ctx.ledger.putRun(queued);
      let started: { executionArn: string | null };
      try {
        started = await ctx.launcher.start(request, runId);
      } catch (error) {
        await ctx.ledger.putRun({ ...queued, status: 'failed', error: 'the run could not be started' });
        throw error;
      }
      return ok({ runId, executionArn: started.executionArn, status: 'queued' }, 202);
    },
  },
  {
    id: 'runs.get',
    role: 'viewer',
    method: 'GET',
    path: '/runs/{runId}',
    summary: "A run's summary and per-user failures",
    params: z.object({ runId: z.string().regex(RUN_ID_PATTERN, 'is not a run id') }),
    mutating: false,
    handle: async (ctx, i) => {
      const run = await ctx.ledger.getRun(p(i, 'runId'));
      if (!run) throw new HttpError(404, 'run_not_found', `no run ${p(i, 'runId')}`);
      // Each failure says whether a later run has stored its day since.
      return ok({
        run,
        failures: await failuresWithResolution(ctx.ledger, await ctx.ledger.userOutcomes(run.runId)),
      });
    },
  },
  {
    id: 'status',
    role: 'viewer',
    method: 'GET',
    path: '/status',
    summary: 'Last nightly, user-days still missing, the oldest unresolved failure, what runs next',
    mutating: false,
    handle: async (ctx) =>
      ok(await ledgerStatus({ ...ctx.status, ledger: ctx.ledger, objects: ctx.objects, now: ctx.now })),
  },
  {
    id: 'audit.list',
    role: 'admin',
    method: 'GET',
    path: '/audit',
    summary:
      'Audit records of admin changes, oldest first (without from/to: today and the 6 days before, UTC)',
    query: optionalDayRange(93),
    mutating: false,
    handle: async (ctx, i) => {
      const today = utcToday(ctx.now());
      const from = (i.query.from as string | undefined) ?? minusDays(today, 6);
      const to = (i.query.to as string | undefined) ?? today;
      return ok({ from, to, records: await ctx.ledger.auditRecords(from, to) });
    },
  },
  {
    id: 'alerts.list',
    role: 'viewer',
    method: 'GET',
    path: '/alerts',
    summary:
      'Alerts firing now and the changes of from..to (without from/to: today and the 6 days before, UTC)',
    query: optionalDayRange(93),
    mutating: false,
    handle: async (ctx, i) => {
      const q = i.query as { from?: string; to?: string };
      return ok(
        await listAlerts(
          ctx.ledger,
          q.from && q.to ? { from: q.from, to: q.to } : recentRange(utcToday(ctx.now())),
        ),
      );
    },
  },
];
