import * as z from 'zod';
import { parseJsonCard } from '../billing/json-card.ts';

const line = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must be one line of plain text');

/**
 * Who issues the invoices (the reseller), as printed on every PDF and named in the FOCUS export:
 * `local/issuer.example.json`; in AWS `config/issuer.json` in the reports bucket.
 */
export const issuerSchema = z
  .object({
    name: line,
    address: z.array(line).min(1).max(6),
    taxId: line.optional(),
    email: line.optional(),
    /** A PNG or JPEG beside the config (a path locally, a key in the reports bucket in AWS). */
    logo: z
      .string()
      .regex(/^[\w./-]+\.(png|jpe?g)$/i, 'must be a .png or .jpg file name')
      .optional(),
    /** Printed under the totals, e.g. "Payable within 30 days to IBAN ...". */
    paymentTerms: z.string().max(400).optional(),
    /** The reseller's billing account id in FOCUS exports (BillingAccountId); the name when absent. */
    billingAccountId: line.optional(),
  })
  .strict();

export type Issuer = z.infer<typeof issuerSchema>;

export class IssuerConfigError extends Error {
  override name = 'IssuerConfigError';
}

export function parseIssuer(text: string): Issuer {
  return parseJsonCard(text, issuerSchema, 'issuer config', (m) => new IssuerConfigError(m)).card;
}
