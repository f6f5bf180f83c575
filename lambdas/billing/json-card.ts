import { createHash } from 'node:crypto';
import type { z } from 'zod';

/**
 * Reads a card file (rate card, cost card): JSON, then the schema, with every issue naming its field
 * (`storage.tiers.2.upTo: ...`). The hash is of the text as given, so documents pin the exact file.
 */
export function parseJsonCard<S extends z.ZodType>(
  text: string,
  schema: S,
  what: string,
  fail: (message: string) => Error,
): { card: z.output<S>; sha256: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw fail(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw fail(`${what} is invalid: ${issues.join('; ')}`);
  }
  return { card: parsed.data, sha256: createHash('sha256').update(text).digest('hex') };
}
