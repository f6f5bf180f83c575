import * as z from 'zod';
import { alertSettingsSchema, defaultAlertSettings } from '../lambdas/alerts/settings.ts';
import { apiUrlSchema, DEFAULT_E2_API_URL } from '../lambdas/e2/config.ts';

const hour = z.string().regex(/^([01]?\d|2[0-3])$/, 'must be an hour from 0 to 23');
const minute = z.string().regex(/^[0-5]?\d$/, 'must be a minute from 0 to 59');
const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an email address');
const roleName = z.enum(['viewer', 'operator', 'admin']);

/**
 * Deployment settings, read from cdk.json context `e2-ledger` and overridable one at a time with
 * `-c e2-ledger.<field>=<value>`. Every field but the alarm destination has a documented default; a
 * wrong value fails synth with the field's name.
 */
export const deploymentConfigSchema = z
  .object({
    /** Nightly collection: EventBridge Scheduler cron fields and time zone. */
    nightlyCron: z.object({ minute, hour }).strict().default({ minute: '30', hour: '2' }),
    /** Monthly invoices run at this hour on the day after the grace period (see invoiceGraceDays). */
    monthlyHour: hour.default('6'),
    timezone: z.string().min(1).default('UTC'),
    /** IDrive requests in flight at once across the Distributed Map (the IDrive API's rate is the limit). */
    maxConcurrency: z.number().int().min(1).max(1000).default(8),
    /** Users per Lambda invocation in the Distributed Map. */
    batchSize: z.number().int().min(1).max(500).default(25),
    /** Share of user batches that may fail before the Distributed Map fails (the run then finalizes anyway). */
    toleratedFailurePercentage: z.number().int().min(0).max(100).default(10),
    /** Days before yesterday always collected again (late data). */
    recollectDays: z.number().int().min(0).max(31).default(3),
    /** The longest range one backfill may cover. */
    maxRunDays: z.number().int().min(1).max(3660).default(400),
    /** Days after month end before a month is invoiced (late data settles; matches recollectDays). */
    invoiceGraceDays: z.number().int().min(0).max(27).default(3),
    /**
     * Most invoice PDFs one month-files invocation renders before it hands the rest to a new
     * invocation of itself; 0 renders as many as its 15 minutes allow (~12,000).
     */
    pdfsPerInvocation: z.number().int().min(0).max(100_000).default(0),
    /** Reports move to Infrequent Access after this many days. */
    reportsInfrequentAccessDays: z.number().int().min(30).default(90),
    /**
     * Object Lock on the audit bucket. GOVERNANCE lets a principal with s3:BypassGovernanceRetention
     * remove a version; COMPLIANCE lets nobody, not even the account root, until retention ends.
     */
    auditLockMode: z.enum(['GOVERNANCE', 'COMPLIANCE']).default('GOVERNANCE'),
    auditRetentionDays: z.number().int().min(1).max(36500).default(2555),
    logRetentionDays: z.number().int().min(1).default(90),
    /**
     * Where alarms go: an email address, or `none` to deploy without notifications (say so on
     * purpose). Required unless alarmTopicArn is set.
     */
    alarmEmail: email.or(z.literal('none')).optional(),
    /** An existing SNS topic for alarms (e.g. one wired to a pager), instead of or besides the email. */
    alarmTopicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, 'must be an SNS topic ARN')
      .optional(),
    /**
     * IAM principals (user or role ARNs) and their admin API role, besides the three roles the stack
     * creates (assume E2Ledger{Viewer,Operator,Admin}). Anyone else is refused by the Lambda.
     */
    adminPrincipals: z
      .record(z.string().regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+$/), roleName)
      .default({}),
    /** Rate card key in the reports bucket, read by the monthly invoice run. */
    rateCardKey: z.string().min(1).default('config/rate-card.json'),
    /** The wholesale cost card; when present, the monthly run writes the month's margins too. */
    costCardKey: z.string().min(1).default('config/cost-card.json'),
    /** Who issues the invoices (name, address, tax id, logo) for the PDFs and the FOCUS export. */
    issuerKey: z.string().min(1).default('config/issuer.json'),
    e2ApiUrl: apiUrlSchema.default(DEFAULT_E2_API_URL),
    /** Thresholds of the nightly alerts (quota levels, disk drop share, stale days); each defaults. */
    alerts: alertSettingsSchema.default(defaultAlertSettings),
    /** Subscribed by email to the alerts topic (more subscribers can be added to the topic). */
    alertsEmail: email.optional(),
    /** Admin API throttling. */
    apiRateLimit: z.number().int().min(1).default(20),
    apiBurstLimit: z.number().int().min(1).default(40),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.alarmEmail === undefined && c.alarmTopicArn === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['alarmEmail'],
        message:
          'alarms need somewhere to go: set an address (-c e2-ledger.alarmEmail=ops@example.com), or alarmTopicArn to an existing SNS topic, or alarmEmail "none" to deploy without alarm notifications on purpose',
      });
  });

export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;

export const CONTEXT_KEY = 'e2-ledger';

export class DeploymentConfigError extends Error {
  override name = 'DeploymentConfigError';
}

/**
 * The settings from context: the `e2-ledger` object (cdk.json, or a JSON string from `-c e2-ledger=...`),
 * with any `e2-ledger.<field>` keys laid over it (values from `-c` arrive as strings; JSON numbers,
 * booleans and objects among them are parsed).
 */
export function deploymentConfigFromContext(context: Record<string, unknown>): DeploymentConfig {
  const base = parseJsonish(context[CONTEXT_KEY]) ?? {};
  if (typeof base !== 'object' || Array.isArray(base))
    throw new DeploymentConfigError(`invalid cdk.json context: ${CONTEXT_KEY} must be an object`);
  const overrides = Object.fromEntries(
    Object.entries(context)
      .filter(([k]) => k.startsWith(`${CONTEXT_KEY}.`))
      .map(([k, v]) => [k.slice(CONTEXT_KEY.length + 1), parseJsonish(v)]),
  );
  return parseDeploymentConfig({ ...(base as object), ...overrides });
}

export function parseDeploymentConfig(raw: unknown): DeploymentConfig {
  const parsed = deploymentConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${CONTEXT_KEY}.${i.path.join('.')}: ${i.message}`)
      .join('; ');
    throw new DeploymentConfigError(`invalid cdk.json context: ${issues}`);
  }
  return parsed.data;
}

function parseJsonish(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (/^(-?\d+(\.\d+)?|true|false|\{[\s\S]*\}|\[[\s\S]*\])$/.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}
