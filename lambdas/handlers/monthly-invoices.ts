import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { format, subMonths } from 'date-fns';
import * as z from 'zod';
import { CostCardError, parseCostCard } from '../billing/cost-card.ts';
import { InvoiceRefusedError } from '../billing/invoice-errors.ts';
import { draftInvoices, issueInvoices } from '../billing/invoicing.ts';
import { computeMargins, MarginRefusedError } from '../billing/margin.ts';
import { calendarMonth } from '../calendar/calendar-values.ts';
import { intEnv } from '../config/env.ts';
import { writeMarginFiles } from '../reports/margin-files.ts';
import { invokeAsync } from './async-invoke.ts';
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
    const marginKey = await writeMargin(month);
    await startMonthFiles(month);
    return { ...summary, marginKey };
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

/**
 * The month's margins, when a cost card is uploaded. Invoices are issued by then, so a margin that
 * cannot be computed is logged and counted (MarginNotWritten), never a failed invoice run.
 */
async function writeMargin(month: string): Promise<string | null> {
  const rt = runtime();
  const key = rt.config.costCardKey;
  const text = await rt.objects.getText(key);
  if (text === null) {
    logger.info('no cost card: margins not written', { key });
    return null;
  }
  try {
    const { card, sha256 } = parseCostCard(text);
    const report = await computeMargins(rt.ledger, month, card);
    const files = await writeMarginFiles(rt.objects, report, {
      costCardSha256: sha256,
      storageUnit: card.storage.unit,
      generatedAt: new Date().toISOString(),
    });
    metrics.addMetric('NegativeMarginCustomers', MetricUnit.Count, report.totals.negativeMarginCustomers);
    logger.info('margins written', {
      month,
      key: files.margin.key,
      customers: report.rows.length,
      negativeMargins: report.totals.negativeMarginCustomers,
    });
    return files.margin.key;
  } catch (error) {
    if (!(error instanceof CostCardError || error instanceof MarginRefusedError)) throw error;
    metrics.addMetric('MarginNotWritten', MetricUnit.Count, 1);
    logger.warn('margins not written', { month, key, errorName: error.name, errorMessage: error.message });
    return null;
  }
}

/**
 * The month's files for people (report, PDFs, workbook, FOCUS) are made by their own function, so
 * issuing never waits on rendering and each bundle stays small: started asynchronously here (its
 * failures retry twice, then land in the dead-letter queue and alarm).
 */
async function startMonthFiles(month: string) {
  const name = process.env.E2L_MONTH_FILES_FUNCTION?.trim();
  if (!name) return;
  await invokeAsync(name, { month });
  logger.info('month files started', { month, function: name });
}

export const handler = instrumented('monthlyInvoices', monthlyInvoices);
