import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { format, subMonths } from 'date-fns';
import { z } from 'zod';
import { InvoiceRefusedError } from '../billing/invoice-errors.ts';
import { draftInvoices, issueInvoices } from '../billing/invoicing.ts';
import { calendarMonth } from '../calendar/calendar-values.ts';
import { intEnv } from '../config/env.ts';
import { instrumented, logger, metrics } from './observability.ts';
import { runtime } from './runtime.ts';

const event = z
  .object({
    /** Defaults to the month before the current UTC month (the schedule runs after the grace days). */
    month: calendarMonth.optional(),
    draft: z.boolean().optional(),
  })
  .strict();

/**
 * The monthly schedule: issues the previous month with the rate card stored in S3. Only what
 * changed is issued (credit notes and new invoices); a refusal fails loudly so the alarm fires.
 */
async function monthlyInvoices(input: unknown) {
  const parsed = event.parse(input ?? {});
  const rt = runtime();
  const month = parsed.month ?? format(subMonths(new Date(), 1), 'yyyy-MM');
  const key = rt.config.rateCardKey;
  const deps = {
    ledger: rt.ledger,
    objects: rt.objects,
    now: () => new Date(),
    principal: 'e2-ledger monthly schedule',
    graceDays: intEnv('E2L_INVOICE_GRACE_DAYS', 3, { min: 0, max: 27 }),
  };
  try {
    const rateCardText = await rt.objects.getText(key);
    if (rateCardText === null)
      throw new Error(
        `no rate card at s3://${rt.config.bucket}/${key}; upload one (see local/rate-card.example.json)`,
      );
    if (parsed.draft) {
      const draft = await draftInvoices(deps, { month, rateCardText });
      metrics.addMetric('InvoiceDraftsWritten', MetricUnit.Count, 1);
      logger.info('draft written', { month, draft: draft.draft, customers: draft.computation.lines.length });
      return { month, draft: draft.draft, invoicesKey: draft.files.invoices.key };
    }
    const result = await issueInvoices(deps, { month, rateCardText });
    const summary = {
      month,
      issue: result.issue,
      invoices: result.created.filter((d) => d.type === 'invoice').length,
      creditNotes: result.created.filter((d) => d.type === 'credit_note').length,
      unchanged: result.unchanged.length,
      registerKey: result.register.register.key,
      documentsKey: result.files?.documents.key ?? null,
    };
    metrics.addMetric('InvoicesIssued', MetricUnit.Count, summary.invoices);
    metrics.addMetric('CreditNotesIssued', MetricUnit.Count, summary.creditNotes);
    logger.info('invoices issued', summary);
    return summary;
  } catch (error) {
    // The failure itself is logged by `instrumented`; a refusal adds why and whom it concerns.
    if (error instanceof InvoiceRefusedError)
      logger.error('invoices refused', {
        month,
        reason: error.reason,
        missingCustomers: error.missing.length,
      });
    // Refused or failed: the InvoicesRefused alarm fires, and the schedule's retries and DLQ apply.
    metrics.addMetric('InvoicesRefused', MetricUnit.Count, 1);
    throw error;
  }
}

export const handler = instrumented('monthlyInvoices', monthlyInvoices);
