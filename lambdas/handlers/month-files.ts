import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { CostCardError, parseCostCard } from '../billing/cost-card.ts';
import { computeMargins, MarginRefusedError } from '../billing/margin.ts';
import { parseRateCard, type RateCard, RateCardError } from '../billing/rate-card.ts';
import { calendarMonth } from '../calendar/calendar-values.ts';
import { parseIssuer } from '../documents/issuer.ts';
import { writeMonthFiles } from '../documents/month-files.ts';
import type { ObjectStore } from '../ledger/ports.ts';
import { loadDocumentFonts } from '../wiring/document-fonts.ts';
import { instrumented, logger, metrics } from './observability.ts';
import { runtime } from './runtime.ts';

const event = z.object({ month: calendarMonth }).strict();

let fonts: ReturnType<typeof loadDocumentFonts> | undefined;

/** The card at `key`, or null when absent or unreadable (logged: the files are written without it). */
async function optionalCard<T>(
  objects: ObjectStore,
  key: string,
  parse: (text: string) => T,
): Promise<T | null> {
  const text = await objects.getText(key);
  if (text === null) return null;
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof RateCardError || error instanceof CostCardError || error instanceof Error))
      throw error;
    logger.warn('config file not usable', { key, errorMessage: error.message });
    return null;
  }
}

/**
 * The month's files for people, after the monthly run issued it (invoked asynchronously): the HTML
 * report, a PDF per issued document (never rewritten), the workbook and the FOCUS export.
 */
async function monthFiles(input: unknown, context: Context) {
  const { month } = event.parse(input);
  const rt = runtime();
  const issuer = await optionalCard(rt.objects, rt.config.issuerKey, parseIssuer);
  const logoKey = issuer?.logo ? `${rt.config.issuerKey.replace(/[^/]*$/, '')}${issuer.logo}` : null;
  const logoBytes = logoKey ? await rt.objects.getBytes(logoKey) : null;
  const rate = await optionalCard(rt.objects, rt.config.rateCardKey, parseRateCard);
  const costs = await optionalCard(rt.objects, rt.config.costCardKey, parseCostCard);
  let margin = null;
  if (costs)
    margin = await computeMargins(rt.ledger, month, costs.card).catch((error: unknown) => {
      if (error instanceof MarginRefusedError) return null;
      throw error;
    });
  fonts ??= loadDocumentFonts();
  const files = await writeMonthFiles(
    {
      ledger: rt.ledger,
      objects: rt.objects,
      now: () => new Date(),
      issuer,
      logo: logoBytes ? { bytes: logoBytes, format: /\.png$/i.test(logoKey!) ? 'PNG' : 'JPEG' } : null,
      fonts,
      rateCards: new Map<string, RateCard>(rate ? [[rate.sha256, rate.card]] : []),
    },
    month,
    // Stop a minute before the timeout; the asynchronous retry renders what is left.
    { margin, stopPdfs: () => context.getRemainingTimeInMillis() < 60_000 },
  );
  if (files.pdfsRemaining > 0) {
    metrics.addMetric('DocumentPdfsRemaining', MetricUnit.Count, files.pdfsRemaining);
    throw new Error(
      `${files.pdfsRemaining} PDF(s) of ${month} remain after ${files.pdfsWritten.length} in this run: Lambda's asynchronous retry continues from there (PDFs already written are skipped)`,
    );
  }
  metrics.addMetric('DocumentPdfsWritten', MetricUnit.Count, files.pdfsWritten.length);
  if (files.skipped.length > 0) {
    metrics.addMetric('MonthFilesSkipped', MetricUnit.Count, files.skipped.length);
    logger.warn('month files incomplete', { month, skipped: files.skipped });
  }
  const result = {
    month,
    report: files.report.key,
    workbook: files.workbook?.key ?? null,
    focus: files.focus?.key ?? null,
    pdfsWritten: files.pdfsWritten.length,
    pdfsExisting: files.pdfsExisting,
    skipped: files.skipped,
  };
  logger.info('month files written', result);
  return result;
}

export const handler = instrumented('monthFiles', monthFiles);
