/**
 * Alerts on the ledger's own data, evaluated after every nightly from the stored snapshots: an
 * account near its quota, a sudden disk drop, usage stuck while uploads happen, user-days missing
 * past the re-collection window. Each alert has one state; only its changes are sent.
 */

export type AlertKind = 'quota' | 'disk_drop' | 'stale_usage' | 'missing_days';

/** What holds on the evaluated day for one account and kind (an alert's condition, true). */
export type AlertCondition = {
  readonly id: string;
  readonly kind: AlertKind;
  readonly email: string;
  /** quota: the highest level reached (80, 95, 100); null for kinds without levels. */
  readonly level: number | null;
  /** The measured figure and the threshold it crossed, as exact strings. */
  readonly value: string;
  readonly threshold: string;
  readonly detail: string;
};

export type AlertTransitionKind = 'fired' | 'changed' | 'resolved';

/** A change of an alert's state: what is sent (SNS in AWS, printed locally) and logged. */
export type AlertTransition = {
  readonly id: string;
  readonly kind: AlertKind;
  readonly email: string;
  readonly transition: AlertTransitionKind;
  readonly level: number | null;
  readonly previousLevel: number | null;
  readonly value: string;
  readonly threshold: string;
  readonly detail: string;
  /** The day evaluated (the last day the run collected) and when. */
  readonly day: string;
  readonly at: string;
  readonly runId: string | null;
  /** The state's version this transition created (1 for the first firing). */
  readonly version: number;
};

export type AlertState = {
  readonly id: string;
  readonly kind: AlertKind;
  readonly email: string;
  readonly status: 'firing' | 'resolved';
  readonly level: number | null;
  readonly value: string;
  readonly threshold: string;
  readonly detail: string;
  readonly firedDay: string;
  readonly resolvedDay: string | null;
  readonly updatedAt: string;
  /** Incremented by every transition; writes are conditional on it (one evaluator wins). */
  readonly version: number;
  /** Transitions not yet sent: sent before anything new is evaluated, so none is lost. */
  readonly pending: readonly AlertTransition[];
};

export const alertId = (kind: AlertKind, email: string) => `${kind}#${email}`;
