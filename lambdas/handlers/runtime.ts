import { alertSettingsFromEnv } from '../alerts/settings.ts';
import { defaultWindowSettings, type WindowSettings } from '../collect/window.ts';
import { intEnv, jsonEnv, requireEnv } from '../config/env.ts';
import { DEFAULT_E2_API_URL } from '../e2/config.ts';
import { type ScheduleSettings, scheduleSchema } from '../status/schedule.ts';
import { openLedgerStores } from '../wiring/ledger-stores.ts';

/** Configuration read once per cold start; a missing variable fails with its name. */
export function lambdaConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    table: requireEnv('E2L_TABLE', env),
    bucket: requireEnv('E2L_BUCKET', env),
    auditBucket: requireEnv('E2L_AUDIT_BUCKET', env),
    apiUrl: env.E2_API_URL?.trim() || DEFAULT_E2_API_URL,
    concurrency: intEnv('E2L_CONCURRENCY', 8, { min: 1, max: 256 }, env),
    /** For S3-compatible endpoints (AWS_ENDPOINT_URL_S3) that need path-style URLs; never set in AWS. */
    s3PathStyle: env.E2L_S3_PATH_STYLE === 'true',
    rateCardKey: env.E2L_RATE_CARD_KEY?.trim() || 'config/rate-card.json',
    costCardKey: env.E2L_COST_CARD_KEY?.trim() || 'config/cost-card.json',
    issuerKey: env.E2L_ISSUER_KEY?.trim() || 'config/issuer.json',
    /** Month files: most PDFs an invocation renders before continuing in a new one (0: time-bound). */
    pdfsPerInvocation: intEnv('E2L_PDFS_PER_INVOCATION', 0, { min: 0, max: 100_000 }, env),
    /** `E2L_SCHEDULE`: when the stack runs the nightly and the monthly (JSON), or null when unset. */
    schedule: jsonEnv('E2L_SCHEDULE', scheduleSchema, env) as ScheduleSettings | null,
    alerts: alertSettingsFromEnv(env),
    settings: {
      ...defaultWindowSettings,
      recollectDays: intEnv(
        'E2L_RECOLLECT_DAYS',
        defaultWindowSettings.recollectDays,
        { min: 0, max: 31 },
        env,
      ),
      maxRunDays: intEnv('E2L_MAX_RUN_DAYS', defaultWindowSettings.maxRunDays, { min: 1, max: 3660 }, env),
    } satisfies WindowSettings,
  };
}

let cachedStores: ReturnType<typeof buildStores> | undefined;

/** Configuration and stores, built once per container. */
export function runtime() {
  cachedStores ??= buildStores();
  return cachedStores;
}

function buildStores() {
  const config = lambdaConfig();
  // The one place stores are built (lambdas/wiring); here with the role's credentials and region.
  const stores = openLedgerStores(
    { s3PathStyle: config.s3PathStyle },
    {
      table: config.table,
      bucket: config.bucket,
      auditBucket: config.auditBucket,
      runsBucket: process.env.E2L_RUNS_BUCKET,
    },
  );
  return {
    config,
    ledger: stores.ledger,
    objects: stores.objects,
    auditObjects: stores.auditObjects!,
    /** Run working files (the nightly's users file); only the nightly functions have the bucket. */
    runsObjects: () => {
      requireEnv('E2L_RUNS_BUCKET');
      return stores.runsObjects!;
    },
  };
}
