import * as z from 'zod';
import { parseJsonCard } from './json-card.ts';
import { type Currency, Dec, MINOR_UNITS } from './money.ts';
import { DEFAULT_NUMBERING, numberingSchema } from './numbering.ts';

/** Bytes per unit. GB/TB are decimal (10^9, 10^12), GiB/TiB binary (2^30, 2^40). */
export const UNIT_BYTES = { GB: 10n ** 9n, TB: 10n ** 12n, GiB: 2n ** 30n, TiB: 2n ** 40n } as const;
export type ByteUnit = keyof typeof UNIT_BYTES;

/** A non-negative decimal written as a string (`"4.50"`): prices never pass through a binary float. */
export const decimalString = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal string such as "4.50"')
  .max(40, 'is too long');
const fraction = decimalString.refine((v) => new Dec(v).lte(1), 'must be at most 1');
export const unit = z.enum(['GB', 'TB', 'GiB', 'TiB']);
export const currencySchema = z.enum(Object.keys(MINOR_UNITS) as [Currency, ...Currency[]]);

const tier = z.object({ upTo: decimalString.nullable(), unitPrice: decimalString }).strict();

const storage = z
  .object({
    basis: z.enum(['average_daily', 'peak_daily', 'last_day']),
    unit,
    tiers: z.array(tier).min(1, 'needs at least one tier'),
  })
  .strict()
  .superRefine((s, ctx) => {
    s.tiers.forEach((t, i) => {
      const last = i === s.tiers.length - 1;
      if (last && t.upTo !== null)
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', i, 'upTo'],
          message: 'the last tier must have upTo: null',
        });
      if (!last && t.upTo === null)
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', i, 'upTo'],
          message: 'only the last tier may have upTo: null',
        });
      const previous = i > 0 ? s.tiers[i - 1]!.upTo : '0';
      if (!last && t.upTo !== null && previous !== null && new Dec(t.upTo).lte(previous)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', i, 'upTo'],
          message: `must be greater than the previous tier's upTo (${previous})`,
        });
      }
    });
  });

const transfer = z.object({ unit, unitPrice: decimalString }).strict();

const pricing = {
  storage,
  downloads: transfer,
  uploads: transfer,
  minimumCharge: decimalString,
  taxRate: fraction,
};

/** Per-customer terms: any part of the card replaced, and/or a discount on the usage amounts. */
const override = z
  .object({
    storage: storage.optional(),
    downloads: transfer.optional(),
    uploads: transfer.optional(),
    minimumCharge: decimalString.optional(),
    taxRate: fraction.optional(),
    /** Share taken off storage + download + upload amounts, e.g. "0.10". */
    discountRate: fraction.optional(),
  })
  .strict();

export const rateCardSchema = z
  .object({
    currency: currencySchema,
    ...pricing,
    overrides: z
      .record(z.string().regex(/^[^\s@]+@[^\s@]+$/, 'keys must be customer emails'), override)
      .optional(),
    /** How invoices and credit notes are numbered; INV-YYYYMM-NNNNNN / CN-YYYYMM-NNNNNN when absent. */
    numbering: numberingSchema.default(DEFAULT_NUMBERING),
  })
  .strict();

export type RateCard = z.infer<typeof rateCardSchema>;
export type CustomerTerms = Omit<RateCard, 'overrides' | 'numbering'> & { discountRate: string };

export class RateCardError extends Error {
  override name = 'RateCardError';
}

/** Parses rate card JSON text; errors name the field (`storage.tiers.2.upTo: ...`). */
export function parseRateCard(text: string): { card: RateCard; sha256: string } {
  return parseJsonCard(text, rateCardSchema, 'rate card', (message) => new RateCardError(message));
}

/** The terms that apply to one customer: the card, with that customer's override laid over it. */
export function termsFor(card: RateCard, email: string): CustomerTerms {
  const { overrides, numbering: _n, ...base } = card;
  const o = overrides?.[email] ?? overrides?.[email.toLowerCase()];
  return {
    ...base,
    ...(o?.storage ? { storage: o.storage } : {}),
    ...(o?.downloads ? { downloads: o.downloads } : {}),
    ...(o?.uploads ? { uploads: o.uploads } : {}),
    ...(o?.minimumCharge ? { minimumCharge: o.minimumCharge } : {}),
    ...(o?.taxRate ? { taxRate: o.taxRate } : {}),
    discountRate: o?.discountRate ?? '0',
  };
}
