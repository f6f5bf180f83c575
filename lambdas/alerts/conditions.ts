import { minusDays } from '../calendar/days.ts';
import { type AlertCondition, alertId } from '../ledger/alerts.ts';
import type { UsageSnapshot } from '../ledger/model.ts';
import type { AlertSettings } from './settings.ts';

/** Bytes in one GB of `storage_quota` (the reference says "GB's"; we read decimal GB, as for disk_used). */
export const QUOTA_GB_BYTES = 1_000_000_000n;

export type AlertInputs = {
  /** The evaluated day: the last day the run collected. */
  readonly day: string;
  /** Stored snapshots by email, then by day, for the days the rules look at (see `daysNeeded`). */
  readonly snapshots: ReadonlyMap<string, ReadonlyMap<string, UsageSnapshot>>;
  /** Per account, the days still missing that no nightly re-collects any more. */
  readonly missingPastWindow: ReadonlyMap<string, readonly string[]>;
  readonly settings: AlertSettings;
};

/** The days whose snapshots the rules read: the evaluated day and the ones before it. */
export function daysNeeded(day: string, settings: AlertSettings): string[] {
  const back = Math.max(1, settings.staleDays - 1);
  return Array.from({ length: back + 1 }, (_, i) => minusDays(day, back - i));
}

/** Every alert condition true on `inputs.day`, by account then kind. No API call: stored data only. */
export function conditionsOn(inputs: AlertInputs): AlertCondition[] {
  const out: AlertCondition[] = [];
  const { day, settings } = inputs;
  const emails = new Set([...inputs.snapshots.keys(), ...inputs.missingPastWindow.keys()]);
  for (const email of [...emails].sort()) {
    const days = inputs.snapshots.get(email);
    const today = days?.get(day);
    if (today) {
      const quota = quotaCondition(email, today, settings);
      if (quota) out.push(quota);
      const drop = dropCondition(email, days!.get(minusDays(day, 1)), today, settings);
      if (drop) out.push(drop);
      const stale = staleCondition(email, day, days!, settings);
      if (stale) out.push(stale);
    }
    const missing = inputs.missingPastWindow.get(email);
    if (missing && missing.length > 0)
      out.push({
        id: alertId('missing_days', email),
        kind: 'missing_days',
        email,
        level: null,
        value: String(missing.length),
        threshold: '0',
        detail: `${missing.length} day(s) missing past the re-collection window, oldest ${[...missing].sort()[0]}: backfill them before invoicing`,
      });
  }
  return out;
}

function quotaCondition(email: string, s: UsageSnapshot, settings: AlertSettings): AlertCondition | null {
  if (!s.isSignedUp || s.storageQuotaGb <= 0) return null;
  const quotaBytes = BigInt(s.storageQuotaGb) * QUOTA_GB_BYTES;
  const used = BigInt(s.diskUsedBytes);
  // Percent to two places, exactly: used * 10000 / quota, floored.
  const basisPoints = (used * 10_000n) / quotaBytes;
  const level = [...settings.quotaLevels].reverse().find((l) => used * 100n >= BigInt(l) * quotaBytes);
  if (level === undefined) return null;
  const pct = `${basisPoints / 100n}.${String(basisPoints % 100n).padStart(2, '0')}`;
  return {
    id: alertId('quota', email),
    kind: 'quota',
    email,
    level,
    value: pct,
    threshold: String(level),
    detail: `${pct}% of the ${s.storageQuotaGb} GB quota used (${s.diskUsedBytes} bytes)`,
  };
}

function dropCondition(
  email: string,
  previous: UsageSnapshot | undefined,
  today: UsageSnapshot,
  settings: AlertSettings,
): AlertCondition | null {
  if (!previous || previous.diskUsedBytes <= 0) return null;
  const before = BigInt(previous.diskUsedBytes);
  const drop = before - BigInt(today.diskUsedBytes);
  if (drop <= 0n || drop < BigInt(settings.diskDropMinBytes)) return null;
  // drop / before > share, with the share as a decimal string: compare drop * 10^k > before * share * 10^k.
  const [whole = '0', frac = ''] = settings.diskDropShare.split('.');
  const scale = 10n ** BigInt(frac.length);
  if (drop * scale <= before * BigInt(`${whole}${frac}`)) return null;
  const pct = (drop * 10_000n) / before;
  const share = `${pct / 100n}.${String(pct % 100n).padStart(2, '0')}`;
  return {
    id: alertId('disk_drop', email),
    kind: 'disk_drop',
    email,
    level: null,
    value: share,
    threshold: settings.diskDropShare,
    detail: `disk used fell ${share}% in a day, from ${previous.diskUsedBytes} to ${today.diskUsedBytes} bytes (a mass deletion, or bad data)`,
  };
}

function staleCondition(
  email: string,
  day: string,
  days: ReadonlyMap<string, UsageSnapshot>,
  settings: AlertSettings,
): AlertCondition | null {
  const window = Array.from({ length: settings.staleDays }, (_, i) => days.get(minusDays(day, i)));
  if (window.some((s) => s === undefined || s.usageSource !== 'api')) return null;
  const snaps = window as UsageSnapshot[];
  const disk = snaps[0]!.diskUsedBytes;
  if (snaps.some((s) => s.diskUsedBytes !== disk)) return null;
  // Uploads on the days after the first, yet not a byte of change: the figure is not moving.
  const uploaded = snaps.slice(0, -1).reduce((n, s) => n + BigInt(s.uploadedBytes), 0n);
  if (uploaded === 0n) return null;
  return {
    id: alertId('stale_usage', email),
    kind: 'stale_usage',
    email,
    level: null,
    value: String(settings.staleDays),
    threshold: String(settings.staleDays),
    detail: `disk used stuck at exactly ${disk} bytes for ${settings.staleDays} days while ${uploaded} bytes were uploaded: the usage data may be stale`,
  };
}
