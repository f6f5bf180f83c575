import { z } from 'zod';

/**
 * Deployment settings, read from cdk.json context (override with `-c key=value`). Every field has a
 * documented default; a wrong value fails synth with the field's name.
 */
export const deploymentConfigSchema = z
  .object({
    /** Nightly collection: EventBridge Scheduler cron fields and time zone. */
    nightlyCron: z
      .object({ minute: z.string(), hour: z.string() })
      .strict()
      .default({ minute: '30', hour: '2' }),
    /** Monthly invoices run on the 1st at this hour. */
    monthlyHour: z
      .string()
      .regex(/^\d{1,2}$/)
      .default('6'),
    timezone: z.string().min(1).default('UTC'),
    /** Users collected at once across the Distributed Map (the IDrive API's rate is the limit). */
    maxConcurrency: z.number().int().min(1).max(1000).default(8),
    /** Users per Lambda invocation in the Distributed Map. */
    batchSize: z.number().int().min(1).max(500).default(25),
    /** Share of user batches that may fail before the whole run is marked failed. */
    toleratedFailurePercentage: z.number().min(0).max(100).default(10),
    /** Days before yesterday always collected again (late data). */
    recollectDays: z.number().int().min(0).max(31).default(3),
    /** Reports move to Infrequent Access after this many days. */
    reportsInfrequentAccessDays: z.number().int().min(30).default(90),
    /** Object Lock on the audit bucket. */
    auditLockMode: z.enum(['GOVERNANCE', 'COMPLIANCE']).default('GOVERNANCE'),
    auditRetentionDays: z.number().int().min(1).max(36500).default(2555),
    logRetentionDays: z.number().int().min(1).default(90),
    /** Where alarms are emailed; none when empty. */
    alarmEmail: z
      .string()
      .regex(/^[^\s@]+@[^\s@]+$/)
      .or(z.literal(''))
      .default(''),
    /** Rate card key in the reports bucket, read by the monthly invoice run. */
    rateCardKey: z.string().min(1).default('config/rate-card.json'),
    e2ApiUrl: z.url().default('https://api.idrivee2.com'),
    /** Admin API throttling. */
    apiRateLimit: z.number().int().min(1).default(20),
    apiBurstLimit: z.number().int().min(1).default(40),
  })
  .strict();

export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;

export const CONTEXT_KEY = 'e2-ledger';

export function parseDeploymentConfig(raw: unknown): DeploymentConfig {
  const parsed = deploymentConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${CONTEXT_KEY}.${i.path.join('.')}: ${i.message}`)
      .join('; ');
    throw new Error(`invalid cdk.json context: ${issues}`);
  }
  return parsed.data;
}
