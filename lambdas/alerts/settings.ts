import * as z from 'zod';
import { jsonEnv } from '../config/env.ts';

/** Thresholds for the nightly alerts; every field has a default, a wrong one fails with its name. */
export const alertSettingsSchema = z
  .object({
    /** Quota levels in percent of storage_quota (accounts with a quota only). */
    quotaLevels: z
      .array(z.number().int().min(1).max(1000))
      .min(1)
      .max(5)
      .refine((l) => l.every((v, i) => i === 0 || v > l[i - 1]!), 'must be increasing')
      .default([80, 95, 100]),
    /** A day-over-day disk drop above this share of the previous day fires (possible mass deletion). */
    diskDropShare: z
      .string()
      .regex(/^0?\.\d+$|^1(\.0+)?$/, 'must be a share from 0 to 1 as a string, e.g. "0.5"')
      .default('0.5'),
    /** Drops smaller than this many bytes never fire (tiny accounts are noisy). */
    diskDropMinBytes: z.number().int().min(0).default(1_000_000_000),
    /** Disk used exactly the same for this many days while uploads happen: stale data. */
    staleDays: z.number().int().min(2).max(31).default(3),
  })
  .strict();

export type AlertSettings = z.infer<typeof alertSettingsSchema>;
export const defaultAlertSettings: AlertSettings = alertSettingsSchema.parse({});

/** `E2L_ALERTS` (JSON, optional): the thresholds, each defaulting. */
export function alertSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AlertSettings {
  return jsonEnv('E2L_ALERTS', alertSettingsSchema, env) ?? defaultAlertSettings;
}
