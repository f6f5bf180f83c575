import type Decimal from 'decimal.js';
import { jsPDF } from 'jspdf';
import { allocate } from '../billing/allocation.ts';
import { type Currency, Dec, formatMoney } from '../billing/money.ts';
import { type RateCard, termsFor, UNIT_BYTES } from '../billing/rate-card.ts';
import type { InvoiceDocument } from '../ledger/invoice-documents.ts';
import type { Issuer } from './issuer.ts';

/** The fonts every document is set in (DejaVu Sans: Latin, Greek, Cyrillic; no CJK). */
export type DocumentFonts = { readonly regular: Uint8Array; readonly bold: Uint8Array };

export type PdfContext = {
  readonly issuer: Issuer;
  readonly logo: { readonly bytes: Uint8Array; readonly format: 'PNG' | 'JPEG' } | null;
  readonly fonts: DocumentFonts;
  /** Rate cards by sha256: the document's own card gives the storage tier breakdown. */
  readonly rateCards: ReadonlyMap<string, RateCard>;
};

type Line = { description: string; quantity: string; unitPrice: string; amount: string; indent?: boolean };

/** The storage line's tiers: quantity, unit price and share of the (rounded) storage amount. */
function tierLines(doc: InvoiceDocument, card: RateCard | undefined, currency: Currency): Line[] {
  if (!card) return [];
  const terms = termsFor(card, doc.email);
  if (terms.storage.unit !== doc.usage.storageUnit) return [];
  const sign = doc.type === 'credit_note' ? -1 : 1;
  const quantity = new Dec(doc.usage.storageQuantity).abs();
  const parts: { from: Decimal; to: Decimal; price: string }[] = [];
  let floor = new Dec(0);
  for (const tier of terms.storage.tiers) {
    if (quantity.lte(floor)) break;
    const ceiling = tier.upTo === null ? quantity : Dec.min(quantity, tier.upTo);
    parts.push({ from: floor, to: ceiling, price: tier.unitPrice });
    if (tier.upTo === null) break;
    floor = new Dec(tier.upTo);
  }
  if (parts.length < 2) return [];
  const exact = parts.map((p) => p.to.minus(p.from).times(p.price));
  const shares = allocate(new Dec(doc.amounts.storage).abs(), exact, currency);
  return parts.map((p, i) => ({
    description: `tier ${p.from.toString()} to ${p.to.toFixed(6).replace(/\.?0+$/, '')} ${terms.storage.unit}`,
    quantity: p.to.minus(p.from).times(sign).toFixed(6),
    unitPrice: p.price,
    amount: formatMoney(shares[i]!.times(sign), currency),
    indent: true,
  }));
}

function transferQuantity(
  bytes: string,
  card: RateCard | undefined,
  email: string,
  which: 'downloads' | 'uploads',
) {
  const unit = card ? termsFor(card, email)[which].unit : 'GB';
  return {
    unit,
    quantity: new Dec(bytes).div(UNIT_BYTES[unit].toString()),
    price: card ? termsFor(card, email)[which].unitPrice : '',
  };
}

/**
 * One issued invoice or credit note as an A4 PDF: the issuer, the customer, the period, each line
 * (storage with its tiers, downloads, uploads, discount, minimum), subtotal, tax and total, exactly
 * the document's amounts. Characters the font has no glyph for print as "?". Deterministic: the
 * same document gives the same bytes (dates come from the document).
 */
export function renderDocumentPdf(doc: InvoiceDocument, ctx: PdfContext): Uint8Array {
  const currency = doc.currency as Currency;
  const card = ctx.rateCards.get(doc.rateCardSha256);
  const pdf = new jsPDF({ unit: 'pt', format: 'a4', compress: true });
  pdf.setCreationDate(new Date(doc.issuedAt));
  pdf.setFileId(
    doc.number
      .replace(/[^A-Za-z0-9]/g, '')
      .padEnd(32, '0')
      .slice(0, 32),
  );
  pdf.setProperties({
    title: `${doc.type === 'credit_note' ? 'Credit note' : 'Invoice'} ${doc.number}`,
    creator: 'e2-ledger',
  });
  const binary = (b: Uint8Array) => Buffer.from(b).toString('binary');
  pdf.addFileToVFS('DejaVuSans.ttf', binary(ctx.fonts.regular));
  pdf.addFont('DejaVuSans.ttf', 'DejaVu', 'normal');
  pdf.addFileToVFS('DejaVuSans-Bold.ttf', binary(ctx.fonts.bold));
  pdf.addFont('DejaVuSans-Bold.ttf', 'DejaVu', 'bold');
  pdf.setFont('DejaVu', 'normal');
  const glyphs = (
    pdf.getFont() as unknown as { metadata: { cmap: { unicode: { codeMap: Record<number, number> } } } }
  ).metadata.cmap.unicode.codeMap;
  const safe = (text: string) =>
    [...text.replace(/[\p{Cc}\p{Cf}]/gu, ' ')].map((ch) => (glyphs[ch.codePointAt(0)!] ? ch : '?')).join('');
  const text = (
    s: string,
    x: number,
    y: number,
    opts: { bold?: boolean; size?: number; align?: 'right' } = {},
  ) => {
    pdf.setFont('DejaVu', opts.bold ? 'bold' : 'normal');
    pdf.setFontSize(opts.size ?? 10);
    pdf.text(safe(s), x, y, opts.align ? { align: opts.align } : undefined);
  };

  const title = doc.type === 'credit_note' ? 'CREDIT NOTE' : 'INVOICE';
  let y = 56;
  if (ctx.logo) pdf.addImage(ctx.logo.bytes, ctx.logo.format, 48, 40, 48, 48);
  text(ctx.issuer.name, 547, y, { bold: true, size: 12, align: 'right' });
  for (const l of [
    ...ctx.issuer.address,
    ...(ctx.issuer.taxId ? [ctx.issuer.taxId] : []),
    ...(ctx.issuer.email ? [ctx.issuer.email] : []),
  ]) {
    y += 13;
    text(l, 547, y, { align: 'right', size: 9 });
  }
  y = Math.max(y, 100) + 30;
  text(title, 48, y, { bold: true, size: 20 });
  y += 24;
  const meta: [string, string][] = [
    ['Number', doc.number],
    ['Date', doc.issuedAt.slice(0, 10)],
    ['Period', `${doc.periodStart} to ${doc.periodEnd}`],
    ...(doc.references ? ([['Cancels invoice', doc.references]] as [string, string][]) : []),
    ...(doc.reason ? ([['Reason', doc.reason]] as [string, string][]) : []),
  ];
  for (const [k, v] of meta) {
    text(k, 48, y, { size: 9 });
    text(v, 140, y, { size: 10, bold: k === 'Number' });
    y += 14;
  }
  y += 10;
  text('Bill to', 48, y, { bold: true, size: 10 });
  y += 14;
  const name = [doc.firstName, doc.lastName].filter(Boolean).join(' ');
  if (name) {
    text(name, 48, y);
    y += 13;
  }
  text(doc.email, 48, y);
  y += 28;

  const m = (v: string) => formatMoney(new Dec(v), currency);
  const sign = doc.type === 'credit_note' ? -1 : 1;
  const down = transferQuantity(doc.usage.downloadedBytes, card, doc.email, 'downloads');
  const up = transferQuantity(doc.usage.uploadedBytes, card, doc.email, 'uploads');
  const lines: Line[] = [
    {
      description: `Storage, ${doc.usage.storageBasis.replace('_', ' ')} (${doc.usage.daysCollected} of ${doc.usage.daysInPeriod} days)`,
      quantity: `${new Dec(doc.usage.storageQuantity).toFixed(6)} ${doc.usage.storageUnit}-months`,
      unitPrice: '',
      amount: m(doc.amounts.storage),
    },
    ...tierLines(doc, card, currency),
    {
      description: 'Downloads',
      quantity: `${down.quantity.times(sign).toFixed(3)} ${down.unit}`,
      unitPrice: down.price,
      amount: m(doc.amounts.download),
    },
    {
      description: 'Uploads',
      quantity: `${up.quantity.times(sign).toFixed(3)} ${up.unit}`,
      unitPrice: up.price,
      amount: m(doc.amounts.upload),
    },
    ...(new Dec(doc.amounts.discount).isZero()
      ? []
      : [
          {
            description: 'Discount',
            quantity: '',
            unitPrice: '',
            amount: m(new Dec(doc.amounts.discount).negated().toString()),
          },
        ]),
    ...(new Dec(doc.amounts.minimumAdjustment).isZero()
      ? []
      : [
          {
            description: 'Minimum monthly charge adjustment',
            quantity: '',
            unitPrice: '',
            amount: m(doc.amounts.minimumAdjustment),
          },
        ]),
  ];
  const col = { description: 48, quantity: 380, unitPrice: 460, amount: 547 };
  pdf.setDrawColor(31, 94, 168);
  pdf.setLineWidth(1);
  text('Description', col.description, y, { bold: true, size: 9 });
  text('Quantity', col.quantity, y, { bold: true, size: 9, align: 'right' });
  text('Unit price', col.unitPrice, y, { bold: true, size: 9, align: 'right' });
  text(`Amount (${currency})`, col.amount, y, { bold: true, size: 9, align: 'right' });
  y += 6;
  pdf.line(48, y, 547, y);
  y += 14;
  for (const l of lines) {
    text(l.description, col.description + (l.indent ? 12 : 0), y, { size: l.indent ? 8.5 : 10 });
    if (l.quantity) text(l.quantity, col.quantity, y, { size: l.indent ? 8.5 : 9, align: 'right' });
    if (l.unitPrice) text(l.unitPrice, col.unitPrice, y, { size: l.indent ? 8.5 : 9, align: 'right' });
    text(l.amount, col.amount, y, { size: l.indent ? 8.5 : 10, align: 'right' });
    y += l.indent ? 13 : 16;
  }
  y += 4;
  pdf.setLineWidth(0.5);
  pdf.line(300, y, 547, y);
  y += 16;
  for (const [k, v, bold] of [
    ['Subtotal', doc.amounts.subtotal, false],
    ['Tax', doc.amounts.tax, false],
    ['Total', doc.amounts.total, true],
  ] as const) {
    text(k, 380, y, { bold, size: bold ? 12 : 10, align: 'right' });
    text(`${m(v)} ${currency}`, col.amount, y, { bold, size: bold ? 12 : 10, align: 'right' });
    y += bold ? 20 : 15;
  }
  if (doc.type === 'credit_note')
    text(`This credit note cancels invoice ${doc.references} in full.`, 48, y + 10, { size: 9 });
  if (ctx.issuer.paymentTerms && doc.type === 'invoice') {
    const wrapped = pdf.splitTextToSize(safe(ctx.issuer.paymentTerms), 499) as string[];
    text('', 48, y);
    pdf.setFont('DejaVu', 'normal');
    pdf.setFontSize(9);
    pdf.text(wrapped, 48, y + 14);
  }
  text(`${doc.number} · issue ${doc.issue} · rate card ${doc.rateCardSha256.slice(0, 12)}`, 48, 806, {
    size: 7,
  });
  return new Uint8Array(pdf.output('arraybuffer'));
}
