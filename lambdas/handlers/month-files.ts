import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { CostCardError, parseCostCard } from '../billing/cost-card.ts';
import { computeMargins, MarginRefusedError } from '../billing/margin.ts';
import { parseRateCard, type RateCard, RateCardError } from '../billing/rate-card.ts';
import { calendarMonth } from '../calendar/calendar-values.ts';
import { parseIssuer } from '../documents/issuer.ts';
import { type MonthFiles, writeMonthFiles, writeMonthPdfs } from '../documents/month-files.ts';
import type { ObjectStore } from '../ledger/ports.ts';
import { loadDocumentFonts } from '../wiring/document-fonts.ts';
import { invokeAsync } from './async-invoke.ts';
import { instrumented, logger, metrics } from './observability.ts';
import { runtime } from './runtime.ts';

/** Invocations one month's files may take (each renders up to ~12,000 PDFs): a bound, not a goal. */
const MAX_CONTINUATIONS = 100;

const event = z
  .object({
    month: calendarMonth,
    /** Set when an invocation continues one that stopped before its PDFs were all rendered. */
    continuation: z.number().int().min(1).max(MAX_CONTINUATIONS).optional(),
  })
  .strict();

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
  const { month, continuation = 0 } = event.parse(input);
  const rt = runtime();
  const issuer = await optionalCard(rt.objects, rt.config.issuerKey, parseIssuer);
  const logoKey = issuer?.logo ? `${rt.config.issuerKey.replace(/[^/]*$/, '')}${issuer.logo}` : null;
  const logoBytes = logoKey ? await rt.objects.getBytes(logoKey) : null;
  const rate = await optionalCard(rt.objects, rt.config.rateCardKey, parseRateCard);
  fonts ??= loadDocumentFonts();
  const deps = {
    ledger: rt.ledger,
    objects: rt.objects,
    now: () => new Date(),
    issuer,
    logo: logoBytes
      ? { bytes: logoBytes, format: /\.png$/i.test(logoKey!) ? ('PNG' as const) : ('JPEG' as const) }
      : null,
    fonts,
    rateCards: new Map<string, RateCard>(rate ? [[rate.sha256, rate.card]] : []),
  };
  const stopPdfs = pdfBudget(context, rt.config.pdfsPerInvocation);
  // A continuation renders only the PDFs left: the report, workbook and export were written first.
  if (continuation > 0) {
    const pdfs = await writeMonthPdfs(deps, month, { stopPdfs });
    const continued = await pdfsWrittenOrContinue(context, month, continuation, pdfs);
    if (continued) return continued;
    logger.info('month PDFs written', { month, ...counts(pdfs) });
    return { month, ...counts(pdfs) };
  }
  const costs = await optionalCard(rt.objects, rt.config.costCardKey, parseCostCard);
  let margin = null;
  if (costs)
    margin = await computeMargins(rt.ledger, month, costs.card).catch((error: unknown) => {
      if (error instanceof MarginRefusedError) return null;
      throw error;
    });
  const files = await writeMonthFiles(deps, month, { margin, stopPdfs });
  const continued = await pdfsWrittenOrContinue(context, month, continuation, files);
  if (continued) return continued;
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

const counts = (pdfs: Pick<MonthFiles, 'pdfsWritten' | 'pdfsExisting' | 'pdfsRemaining'>) => ({
  pdfsWritten: pdfs.pdfsWritten.length,
  pdfsExisting: pdfs.pdfsExisting,
  pdfsRemaining: pdfs.pdfsRemaining,
});

/**
 * Counts the PDFs; when some are left, hands them to a new invocation of this function and says so
 * (null when none are left). No progress, or more invocations than a month can need, is an error
 * (retried, then dead-lettered and alarmed), never an endless chain.
 */
async function pdfsWrittenOrContinue(
  context: Context,
  month: string,
  continuation: number,
  pdfs: Pick<MonthFiles, 'pdfsWritten' | 'pdfsExisting' | 'pdfsRemaining'>,
) {
  metrics.addMetric('DocumentPdfsWritten', MetricUnit.Count, pdfs.pdfsWritten.length);
  if (pdfs.pdfsRemaining === 0) return null;
  metrics.addMetric('DocumentPdfsRemaining', MetricUnit.Count, pdfs.pdfsRemaining);
  const again = `invoke this function with {"month":"${month}"} to render the rest (written PDFs are skipped)`;
  if (pdfs.pdfsWritten.length === 0)
    throw new Error(
      `${pdfs.pdfsRemaining} PDF(s) of ${month} remain and this invocation could render none before its time ran out: ${again}`,
    );
  if (continuation + 1 > MAX_CONTINUATIONS)
    throw new Error(
      `${pdfs.pdfsRemaining} PDF(s) of ${month} remain after ${MAX_CONTINUATIONS} continuations: ${again}`,
    );
  await invokeAsync(context.invokedFunctionArn, { month, continuation: continuation + 1 });
  const result = { month, ...counts(pdfs), continuedAs: continuation + 1 };
  logger.info('month files continue', result);
  return result;
}

/**
 * Asked before each PDF: stop a minute before the timeout, or after `perInvocation` PDFs when set,
 * so the continuation starts with time to spare.
 */
function pdfBudget(context: Context, perInvocation: number): () => boolean {
  let rendering = 0;
  return () => {
    if (context.getRemainingTimeInMillis() < 60_000) return true;
    if (perInvocation > 0 && rendering >= perInvocation) return true;
    rendering++;
    return false;
  };
}

export const handler = instrumented('monthFiles', monthFiles);
