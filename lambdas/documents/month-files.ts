import { Readable } from 'node:stream';
import type { MarginReport } from '../billing/margin.ts';
import type { RateCard } from '../billing/rate-card.ts';
import type { InvoiceDocument } from '../ledger/invoice-documents.ts';
import type { LedgerStore, ObjectStore, StoredObject } from '../ledger/ports.ts';
import { invoiceKeys, monthFileKeys } from '../reports/layout.ts';
import { focusCsv } from './focus-export.ts';
import { type DocumentFonts, renderDocumentPdf } from './invoice-pdf.ts';
import type { Issuer } from './issuer.ts';
import { loadMonthData } from './month-data.ts';
import { summarizeMonth } from './month-summary.ts';
import { renderMonthReport } from './report-html.ts';
import { renderWorkbook } from './workbook-xlsx.ts';

export type MonthFilesDeps = {
  readonly ledger: Pick<LedgerStore, 'snapshotsForDay' | 'listProfiles' | 'monthDocuments'>;
  readonly objects: ObjectStore;
  readonly now: () => Date;
  /** Who issues: PDFs and the FOCUS export need it; without it they are not written (and say why). */
  readonly issuer: Issuer | null;
  readonly logo: { readonly bytes: Uint8Array; readonly format: 'PNG' | 'JPEG' } | null;
  readonly fonts: DocumentFonts;
  /** The rate cards at hand (by sha256): a document made with one of them shows its storage tiers. */
  readonly rateCards: ReadonlyMap<string, RateCard>;
};

export type MonthFiles = {
  readonly month: string;
  readonly report: StoredObject;
  readonly workbook: StoredObject | null;
  readonly focus: StoredObject | null;
  /** PDFs written by this call, and those that existed already (never rewritten). */
  readonly pdfsWritten: readonly string[];
  readonly pdfsExisting: number;
  /** PDFs not rendered because `stopPdfs` said to stop: the next call writes them. */
  readonly pdfsRemaining: number;
  /** Why some files were not written (no issued document, no issuer config). */
  readonly skipped: readonly string[];
};

/**
 * The month's files for people: the HTML report, one PDF per issued document (each written once:
 * an issued document's PDF is never rewritten), the Excel workbook and the FOCUS export. The report,
 * workbook and export are views of the current ledger and are written again whenever called.
 */
export async function writeMonthFiles(
  deps: MonthFilesDeps,
  month: string,
  options: {
    readonly margin?: MarginReport | null;
    /** Asked before each PDF: true stops rendering (a Lambda near its timeout); the rest stay to do. */
    readonly stopPdfs?: () => boolean;
  } = {},
): Promise<MonthFiles> {
  const data = await loadMonthData(deps.ledger, month);
  const generatedAt = deps.now().toISOString();
  const report = await deps.objects.putText(
    monthFileKeys.report(month),
    renderMonthReport(summarizeMonth(data, options.margin ?? null), deps.issuer, generatedAt),
    'text/html; charset=utf-8',
  );
  if (data.documents.length === 0)
    return {
      month,
      report,
      workbook: null,
      focus: null,
      pdfsWritten: [],
      pdfsExisting: 0,
      pdfsRemaining: 0,
      skipped: [`${month} has no issued document: no PDFs, workbook or FOCUS export`],
    };
  const { issuer } = deps;
  const skipped: string[] = [];
  if (!issuer)
    skipped.push('no issuer config (name, address, tax id): PDFs and the FOCUS export are not written');
  const workbook = await deps.objects.putBytes(
    invoiceKeys.workbook(month),
    await renderWorkbook(data),
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  );
  if (!issuer)
    return {
      month,
      report,
      workbook,
      focus: null,
      pdfsWritten: [],
      pdfsExisting: 0,
      pdfsRemaining: 0,
      skipped,
    };
  const focus = await deps.objects.putStream(
    monthFileKeys.focus(month),
    Readable.from(focusCsv(data, issuer)),
    'text/csv; charset=utf-8',
  );
  await deps.objects.putText(
    monthFileKeys.focusManifest(month),
    `${JSON.stringify(
      {
        month,
        specification: 'FinOps FOCUS 1.2',
        generatedAt,
        files: [{ key: focus.key, sha256: focus.sha256, bytes: focus.bytes }],
        documents: data.documents.length,
        note: 'Per customer (SubAccountId), the sum of BilledCost equals the register net for the month.',
      },
      null,
      2,
    )}\n`,
    'application/json',
  );
  // PDFs last (the slow part, ~70 ms each): a run that must stop early leaves the rest for the next.
  const pdfs = await writePdfs(deps, month, data.documents, issuer, options.stopPdfs);
  return { month, report, workbook, focus, ...pdfs, skipped };
}

/**
 * Only the PDFs not written yet, from the month's documents alone (no usage read): what a run that
 * stopped early leaves for the next invocation. Nothing to do without an issuer config.
 */
export async function writeMonthPdfs(
  deps: Omit<MonthFilesDeps, 'ledger'> & { readonly ledger: Pick<LedgerStore, 'monthDocuments'> },
  month: string,
  options: { readonly stopPdfs?: () => boolean } = {},
): Promise<Pick<MonthFiles, 'pdfsWritten' | 'pdfsExisting' | 'pdfsRemaining'>> {
  if (!deps.issuer) return { pdfsWritten: [], pdfsExisting: 0, pdfsRemaining: 0 };
  return writePdfs(deps, month, await deps.ledger.monthDocuments(month), deps.issuer, options.stopPdfs);
}

async function writePdfs(
  deps: Omit<MonthFilesDeps, 'ledger'>,
  month: string,
  documents: readonly InvoiceDocument[],
  issuer: Issuer,
  stopPdfs: (() => boolean) | undefined,
): Promise<Pick<MonthFiles, 'pdfsWritten' | 'pdfsExisting' | 'pdfsRemaining'>> {
  const pdfsWritten: string[] = [];
  let pdfsExisting = 0;
  let pdfsRemaining = 0;
  for (const doc of documents) {
    const key = invoiceKeys.documentPdf(month, doc.number);
    if (await deps.objects.exists(key)) {
      pdfsExisting++;
      continue;
    }
    if (stopPdfs?.()) {
      pdfsRemaining++;
      continue;
    }
    // Written once: if another invocation wrote it meanwhile, its PDF stands.
    const created = await deps.objects.createBytes(
      key,
      renderDocumentPdf(doc, { ...deps, issuer }),
      'application/pdf',
    );
    if (created) pdfsWritten.push(key);
    else pdfsExisting++;
  }
  return { pdfsWritten, pdfsExisting, pdfsRemaining };
}
