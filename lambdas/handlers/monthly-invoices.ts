import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { format, subMonths } from 'date-fns';
import { z } from 'zod';
import { generateInvoices, InvoiceRefusedError } from '../billing/generate-invoices.ts';
import { logger, metrics, runtime } from './runtime.ts';

const event = z
  .object({
    /** Defaults to the month before the current UTC month (the schedule runs on the 1st). */
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM')
      .optional(),
    draft: z.boolean().optional(),
  })
  .loose();

/** The monthly schedule: the previous month's invoices with the rate card stored in S3. */
export async function handler(input: unknown) {
  const parsed = event.parse(input ?? {});
  const rt = runtime();
  const month = parsed.month ?? format(subMonths(new Date(), 1), 'yyyy-MM');
  const key = rt.config.rateCardKey;
  const rateCardText = await rt.objects.getText(key);
  try {
    if (rateCardText === null)
      throw new Error(
        `no rate card at s3://${rt.config.bucket}/${key}; upload one (see local/rate-card.example.json)`,
      );
    const result = await generateInvoices(
      { ledger: rt.ledger, objects: rt.objects, now: () => new Date() },
      { month, rateCardText, draft: parsed.draft ?? false },
    );
    logger.info('invoices written', {
      month,
      version: result.version,
      customers: result.lines.length,
      key: result.files.invoices.key,
    });
    return {
      month,
      version: result.version,
      customers: result.lines.length,
      invoicesKey: result.files.invoices.key,
    };
  } catch (error) {
    if (error instanceof InvoiceRefusedError)
      logger.error('invoices refused', {
        month,
        reason: error.message,
        missingCustomers: error.missing.length,
      });
    // Refused or failed: the InvoicesRefused alarm fires, and the schedule's retries and DLQ apply.
    metrics.addMetric('InvoicesRefused', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    throw error;
  }
}
