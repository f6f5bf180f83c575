import * as z from 'zod';
import { parseJsonCard } from './json-card.ts';
import { currencySchema, decimalString, unit } from './rate-card.ts';

/**
 * The wholesale cost card: what the storage provider bills the reseller, as the reseller's contract
 * states it. No price lives in the code; `local/cost-card.example.json` carries example figures only.
 */
export const costCardSchema = z
  .object({
    /** Free text kept with the card (where the figures come from); the example card says it is one. */
    note: z.string().max(1000).optional(),
    currency: currencySchema,
    storage: z
      .object({
        /** Active storage, billed per unit-month on the average of the daily disk used. */
        unit,
        unitPrice: decimalString,
        /** The account's monthly minimum for active storage (the provider bills at least this). */
        monthlyMinimum: decimalString,
      })
      .strict(),
    /** Bytes deleted before this many days are billed for the days remaining ("deleted storage"). */
    minimumStorageDays: z.number().int().min(0).max(365),
    users: z
      .object({
        /** Accounts the provider does not charge for. */
        freeUsers: z.number().int().min(0).max(10_000_000),
        /** The fee per account above the free ones, per year (modelled as a twelfth each month). */
        yearlyFeePerUser: decimalString,
      })
      .strict(),
    egress: z.discriminatedUnion('billing', [
      z.object({ billing: z.literal('free') }).strict(),
      z
        .object({
          /** Downloads above `freeRatio` x the average stored bytes are billed at `unitPrice` per `unit`. */
          billing: z.literal('above_ratio'),
          freeRatio: decimalString,
          unit,
          unitPrice: decimalString,
        })
        .strict(),
    ]),
  })
  .strict();

export type CostCard = z.infer<typeof costCardSchema>;

export class CostCardError extends Error {
  override name = 'CostCardError';
}

/** Parses cost card JSON text; errors name the field (`storage.unitPrice: ...`). */
export function parseCostCard(text: string): { card: CostCard; sha256: string } {
  return parseJsonCard(text, costCardSchema, 'cost card', (message) => new CostCardError(message));
}
