import type { DayFailure, UserRunOutcome } from '../ledger/model.ts';
import type { LedgerStore } from '../ledger/ports.ts';

export type ResolvedFailure = DayFailure & {
  /** The run whose snapshot now stands for the day; null while the day is still missing. */
  readonly resolvedBy: string | null;
};

/** A run's per-user failures, each marked with the later run that stored its day, if one has. */
export async function failuresWithResolution(
  ledger: Pick<LedgerStore, 'snapshotsForUser'>,
  outcomes: readonly UserRunOutcome[],
): Promise<{ email: string; failures: ResolvedFailure[] }[]> {
  const out: { email: string; failures: ResolvedFailure[] }[] = [];
  for (const o of outcomes) {
    if (o.failures.length === 0) continue;
    const days = o.failures.map((f) => f.day).sort();
    const stored = new Map(
      (await ledger.snapshotsForUser(o.email, days[0]!, days.at(-1)!)).map((s) => [s.day, s.runId]),
    );
    out.push({
      email: o.email,
      failures: o.failures.map((f) => {
        const by = stored.get(f.day);
        return { ...f, resolvedBy: by !== undefined && by !== o.runId ? by : null };
      }),
    });
  }
  return out;
}
