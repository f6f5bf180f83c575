import { plusDays, utcToday } from '../calendar/days.ts';
import { InvoiceRefusedError } from './invoice-errors.ts';
import type { InvoicingDeps } from './invoicing.ts';
import { computeMonth, type MonthComputation } from './month-invoices.ts';
import type { RateCard } from './rate-card.ts';

/** What must hold before a month is issued: closed plus grace, collected, complete, overrides known. */
/** The first UTC day a month may be issued: the day after its end plus the grace days. */
export function issuableFrom(graceDays: number, days: readonly string[]): string {
  return plusDays(days.at(-1)!, 1 + graceDays);
}

export async function computeForIssue(
  deps: InvoicingDeps,
  month: string,
  card: RateCard,
): Promise<MonthComputation> {
  const today = utcToday(deps.now());
  if ((await deps.ledger.invoiceVersions(month)).some((v) => !v.draft))
    throw new InvoiceRefusedError(
      'legacy_versions',
      `${month} was invoiced by e2-ledger 0.1 (invoices/${month}/vN/): those files stay as issued; this version cannot reconcile them, so corrections for ${month} must be made outside e2-ledger`,
    );
  const computation = await computeMonth(deps.ledger, month, card);
  const first = computation.days[0]!;
  const last = computation.days.at(-1)!;
  const from = issuableFrom(deps.graceDays, computation.days);
  if (today < from)
    throw new InvoiceRefusedError(
      'month_open',
      `${month} can be issued from ${from} (UTC): the month ends on ${last} and late data settles for ${deps.graceDays} day(s); a draft can be made at any time`,
      { issuableFrom: from },
    );
  if (computation.snapshotCount === 0)
    throw new InvoiceRefusedError(
      'nothing_collected',
      `nothing collected for ${month}: no daily snapshot of any customer`,
      {
        collect: { from: first, to: last },
      },
    );
  if (computation.missing.length > 0) {
    const { missing } = computation;
    const detail = missing
      .slice(0, 10)
      .map(
        (m) =>
          `${m.email} (${m.days.length} day(s): ${m.days.slice(0, 5).join(', ')}${m.days.length > 5 ? ', ...' : ''})`,
      )
      .join('; ');
    throw new InvoiceRefusedError(
      'missing_user_days',
      `${month} has ${missing.reduce((n, m) => n + m.days.length, 0)} missing user-day(s) for ${missing.length} customer(s): ${detail}${missing.length > 10 ? '; ...' : ''}`,
      { missing, collect: { from: first, to: last } },
    );
  }
  refuseUnknownOverrides(card, computation);
  return computation;
}

export function refuseUnknownOverrides(card: RateCard, computation: MonthComputation) {
  const customers = new Set([...computation.customers].map((e) => e.toLowerCase()));
  const unknown = Object.keys(card.overrides ?? {}).filter((e) => !customers.has(e.toLowerCase()));
  if (unknown.length > 0)
    throw new InvoiceRefusedError(
      'unknown_override',
      `the rate card overrides terms for ${unknown.join(', ')}, who ${unknown.length === 1 ? 'is' : 'are'} not a customer of ${computation.month}`,
      { emails: unknown },
    );
}
