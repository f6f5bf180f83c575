import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { evaluateAlerts } from '../alerts/nightly-alerts.ts';
import { minusDays, utcToday } from '../calendar/days.ts';
import {
  collectUsers,
  exportDays,
  finalizeRun,
  outcomesOfUncollected,
  RUN_ID_PATTERN,
  type RunDeps,
  startRun,
} from '../collect/run-collection.ts';
import type { CollectionRequest } from '../collect/window.ts';
import { requireEnv } from '../config/env.ts';
import { isoDate } from '../e2/schemas.ts';
import { E2UsageSource } from '../e2/usage-source.ts';
import { STATUS_LOOKBACK_DAYS } from '../status/ledger-status.ts';
import { missingUserDays } from '../status/missing-user-days.ts';
import { openAlertNotifier } from '../wiring/alert-notifier.ts';
import { e2Client } from './e2-runtime.ts';
import { instrumented, logger, metrics } from './observability.ts';
import { runtime } from './runtime.ts';

// The nightly state machine: listUsers -> Distributed Map of collectBatch over the users file -> finalize.

const requestSchema = z
  .union([
    z.object({ kind: z.literal('nightly') }).strict(),
    z
      .object({
        kind: z.literal('backfill'),
        from: isoDate,
        to: isoDate,
        onlyMissing: z.boolean().optional(),
      })
      .strict(),
  ])
  .default({ kind: 'nightly' });

const runIdSchema = z.string().regex(RUN_ID_PATTERN, 'is not a run id');

/** The execution input: what the schedule sends, or a backfill with the id the admin API promised. */
const executionInput = z
  .object({ request: requestSchema.optional(), runId: runIdSchema.optional() })
  .strict();

/** The state machine passes `{ input, executionArn }`; a direct invocation may pass the input itself. */
const listUsersEvent = z.union([
  z.object({ input: executionInput, executionArn: z.string().min(1) }).strict(),
  executionInput,
]);

/** A users-file item: a customer as the source listed it, plus the catch-up cursor from the directory. */
const userItem = z
  .object({
    email: z.string().min(1),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    accountCreatedAt: z.string().nullable(),
    createdDay: z.string().nullable(),
    isSignedUp: z.boolean(),
    isActive: z.boolean(),
    storageQuotaGb: z.number().int().nonnegative(),
    collectedThrough: z.string().nullable(),
  })
  .strict();

const collectBatchEvent = z.object({
  Items: z.array(userItem).min(1).max(500),
  BatchInput: z.object({ runId: runIdSchema, request: requestSchema }),
});

const finalizeEvent = z.object({ runId: runIdSchema }).loose();

async function collectDeps(): Promise<RunDeps> {
  const rt = runtime();
  return {
    source: new E2UsageSource(await e2Client()),
    ledger: rt.ledger,
    objects: rt.objects,
    auditObjects: rt.auditObjects,
    now: () => new Date(),
    concurrency: rt.config.concurrency,
    settings: rt.config.settings,
  };
}

export const usersFileKey = (runId: string) => `runs/${runId}/users.json`;

/** Opens the run, refreshes the directory, and writes the users file the Distributed Map reads. */
async function listUsersHandler(event: unknown) {
  const parsed = listUsersEvent.parse(event ?? {});
  const input = 'input' in parsed ? parsed.input : parsed;
  const executionArn = 'executionArn' in parsed ? parsed.executionArn : undefined;
  const request: CollectionRequest = input.request ?? { kind: 'nightly' };
  const rt = runtime();
  const { summary, users, profiles } = await startRun(await collectDeps(), request, {
    runId: input.runId,
    executionArn,
  });
  const cursors = new Map(profiles.map((p) => [p.email, p.collectedThrough]));
  const items = users.map((u) => ({ ...u, collectedThrough: cursors.get(u.email) ?? null }));
  await rt.runsObjects().putText(usersFileKey(summary.runId), JSON.stringify(items), 'application/json');
  metrics.addMetric('UsersListed', MetricUnit.Count, users.length);
  logger.info('run started', {
    runId: summary.runId,
    users: users.length,
    from: summary.from,
    to: summary.to,
  });
  return { runId: summary.runId, request, usersKey: usersFileKey(summary.runId), users: users.length };
}

/** Collects one batch of users; per-user failures are recorded, never thrown. */
async function collectBatchHandler(event: unknown) {
  const input = collectBatchEvent.parse(event);
  const cursors = new Map(input.Items.map((u) => [u.email, u.collectedThrough]));
  const deps = await collectDeps();
  const outcomes = await collectUsers(
    deps,
    input.BatchInput.request,
    input.BatchInput.runId,
    input.Items,
    cursors,
  );
  const failedDays = outcomes.reduce((n, o) => n + o.failures.length, 0);
  metrics.addMetric(
    'UserDaysStored',
    MetricUnit.Count,
    outcomes.reduce((n, o) => n + o.daysStored, 0),
  );
  metrics.addMetric('UserDaysFailed', MetricUnit.Count, failedDays);
  metrics.addMetric(
    'ActivityRows',
    MetricUnit.Count,
    outcomes.reduce((n, o) => n + o.activityRows, 0),
  );
  return { runId: input.BatchInput.runId, users: outcomes.length, failedDays };
}

/** Writes the exports of every day the run touched and closes the run record. Holds no IDrive token. */
async function finalizeHandler(event: unknown) {
  const input = finalizeEvent.parse(event);
  const rt = runtime();
  const summary = await rt.ledger.getRun(input.runId);
  if (!summary) throw new Error(`run ${input.runId} does not exist`);
  const collected = await rt.ledger.userOutcomes(input.runId);
  // Users whose batch failed outright have no outcome yet: record their days as failed.
  const listed = z
    .array(userItem)
    .parse(JSON.parse((await rt.runsObjects().getText(usersFileKey(input.runId))) ?? '[]'));
  const uncollected = await outcomesOfUncollected(
    { ledger: rt.ledger, settings: rt.config.settings },
    summary,
    listed,
    collected,
  );
  const outcomes = [...collected, ...uncollected];
  const profiles = await rt.ledger.listProfiles();
  const deps = {
    ledger: rt.ledger,
    objects: rt.objects,
    auditObjects: rt.auditObjects,
    now: () => new Date(),
  };
  const finished = await finalizeRun(deps, summary, outcomes, profiles, exportDays(summary, outcomes));
  metrics.addMetric('UsersCollected', MetricUnit.Count, finished.usersCollected);
  metrics.addMetric('UserDaysMissing', MetricUnit.Count, finished.userDaysFailed);
  metrics.addMetric('ActivityRows', MetricUnit.Count, finished.activityRows);
  metrics.addMetric('ApiRetries', MetricUnit.Count, finished.apiRetries);
  // Days no nightly re-collects on its own any more: someone must backfill them before invoicing.
  const yesterday = minusDays(utcToday(new Date()), 1);
  const windowStart = minusDays(yesterday, rt.config.settings.recollectDays);
  const { missing } = await missingUserDays(
    rt.ledger,
    profiles,
    minusDays(yesterday, STATUS_LOOKBACK_DAYS - 1),
    yesterday,
  );
  const alerts = await nightlyAlerts(finished.to, finished.runId, rt.config.settings.recollectDays);
  metrics.addMetric(
    'UserDaysMissingPastWindow',
    MetricUnit.Count,
    missing.filter((m) => m.day < windowStart).length,
  );
  logger.info('run finished', {
    runId: finished.runId,
    status: finished.status,
    userDaysFailed: finished.userDaysFailed,
    usersInFailedBatches: uncollected.filter((o) => o.outcome === 'failed').length,
  });
  return {
    runId: finished.runId,
    status: finished.status,
    userDaysMissing: finished.userDaysFailed,
    alerts,
  };
}

/**
 * The alerts of the run's last day, sent to the alerts topic. The run is closed by then: a failure
 * here is logged and counted (AlertEvaluationFailed, alarmed), and the next run evaluates again.
 */
async function nightlyAlerts(day: string, runId: string, recollectDays: number) {
  const rt = runtime();
  try {
    const outcome = await evaluateAlerts(
      {
        ledger: rt.ledger,
        objects: rt.objects,
        notifier: openAlertNotifier({
          topicArn: requireEnv('E2L_ALERTS_TOPIC_ARN'),
          write: (line) => logger.info(line),
        }),
        settings: rt.config.alerts,
        recollectDays,
        now: () => new Date(),
      },
      day,
      runId,
    );
    if (!outcome.evaluated) {
      logger.info('alerts not evaluated', { day, reason: outcome.reason });
      return { evaluated: false, reason: outcome.reason };
    }
    const fired = outcome.transitions.filter((t) => t.transition !== 'resolved').length;
    metrics.addMetric('AlertsFiredOrChanged', MetricUnit.Count, fired);
    metrics.addMetric('AlertsResolved', MetricUnit.Count, outcome.transitions.length - fired);
    metrics.addMetric('AlertsFiring', MetricUnit.Count, outcome.firing.length);
    if (outcome.notifyError) {
      metrics.addMetric('AlertEvaluationFailed', MetricUnit.Count, 1);
      logger.error('alerts not sent; they stay pending for the next run', {
        day,
        errorMessage: outcome.notifyError,
      });
    }
    logger.info('alerts evaluated', {
      day,
      transitions: outcome.transitions.length,
      firing: outcome.firing.length,
    });
    return {
      evaluated: true,
      transitions: outcome.transitions.length,
      firing: outcome.firing.length,
      file: outcome.file.key,
    };
  } catch (error) {
    metrics.addMetric('AlertEvaluationFailed', MetricUnit.Count, 1);
    logger.error('alerts could not be evaluated', {
      day,
      errorName: (error as Error).name,
      errorMessage: (error as Error).message,
    });
    return { evaluated: false, reason: 'failed' };
  }
}

export const listUsers = instrumented('listUsers', listUsersHandler);
export const collectBatch = instrumented('collectBatch', collectBatchHandler);
export const finalize = instrumented('finalize', finalizeHandler);
