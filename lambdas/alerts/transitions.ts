import type { AlertCondition, AlertState, AlertTransition } from '../ledger/alerts.ts';

export type Evaluation = {
  /** States to write: each conditional on the version it was read at (null: new). */
  readonly writes: readonly { readonly state: AlertState; readonly expectedVersion: number | null }[];
  readonly transitions: readonly AlertTransition[];
};

/**
 * The alert state machine for one evaluated day. A condition with no firing state fires; a firing
 * state whose level changes sends `changed`; a firing state whose condition no longer holds resolves.
 * Nothing else is written, so an alert is sent once when it fires and once when it resolves.
 */
export function evaluate(
  previous: readonly AlertState[],
  conditions: readonly AlertCondition[],
  context: { readonly day: string; readonly at: string; readonly runId: string | null },
): Evaluation {
  const byId = new Map(previous.map((s) => [s.id, s]));
  const holding = new Map(conditions.map((c) => [c.id, c]));
  const writes: { state: AlertState; expectedVersion: number | null }[] = [];
  const transitions: AlertTransition[] = [];
  const record = (
    before: AlertState | undefined,
    c: Pick<AlertState, 'id' | 'kind' | 'email' | 'level' | 'value' | 'threshold' | 'detail'>,
    kind: AlertTransition['transition'],
  ) => {
    const version = (before?.version ?? 0) + 1;
    const transition: AlertTransition = {
      id: c.id,
      kind: c.kind,
      email: c.email,
      transition: kind,
      level: c.level,
      previousLevel: before?.status === 'firing' ? before.level : null,
      value: c.value,
      threshold: c.threshold,
      detail: c.detail,
      day: context.day,
      at: context.at,
      runId: context.runId,
      version,
    };
    transitions.push(transition);
    writes.push({
      expectedVersion: before ? before.version : null,
      state: {
        id: c.id,
        kind: c.kind,
        email: c.email,
        status: kind === 'resolved' ? 'resolved' : 'firing',
        level: c.level,
        value: c.value,
        threshold: c.threshold,
        detail: c.detail,
        firedDay: kind === 'fired' || !before ? context.day : before.firedDay,
        resolvedDay: kind === 'resolved' ? context.day : null,
        updatedAt: context.at,
        version,
        pending: [...(before?.pending ?? []), transition],
      },
    });
  };
  for (const c of [...holding.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const before = byId.get(c.id);
    if (!before || before.status === 'resolved') record(before, c, 'fired');
    else if (before.level !== c.level) record(before, c, 'changed');
  }
  for (const s of [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (s.status === 'firing' && !holding.has(s.id))
      record(s, { ...s, detail: `resolved: ${s.detail}` }, 'resolved');
  }
  return { writes, transitions };
}
