import * as z from 'zod';

export const DEFAULT_E2_API_URL = 'https://api.idrivee2.com';

/** Where the IDrive e2 API lives and how to authenticate. Paths (`/api/reseller/v1/...`) are appended. */
export type E2Config = { readonly apiUrl: string; readonly token: string };

export class E2ConfigError extends Error {
  override name = 'E2ConfigError';
}

/** An IDrive API origin (`https://host[:port]`); used by the runtime and by the CDK config. */
export const apiUrlSchema = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value), 'is not a URL')
  .transform((value) => new URL(value))
  .refine((url) => url.protocol === 'https:' || url.protocol === 'http:', 'must use http or https')
  .refine(
    (url) => url.pathname === '/' && !url.search && !url.hash,
    'must be an origin only, e.g. https://api.idrivee2.com (paths are appended)',
  )
  .refine((url) => !url.username && !url.password, 'must not carry credentials')
  .transform((url) => url.origin);

// A header value: printable ASCII without spaces. The value itself never appears in a message.
const tokenSchema = z
  .string()
  .min(8, 'is too short to be an IDrive API key')
  .max(4096, 'is too long')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII with no spaces or line breaks');

/** Reads `E2_API_URL` (optional, defaults to the public API) and `E2_API_TOKEN` (required). */
export function e2ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): E2Config {
  const url = apiUrlSchema.safeParse(env.E2_API_URL ?? DEFAULT_E2_API_URL);
  if (!url.success) {
    throw new E2ConfigError(`E2_API_URL ${url.error.issues[0]?.message ?? 'is invalid'}`);
  }
  if (env.E2_API_TOKEN === undefined || env.E2_API_TOKEN === '') {
    throw new E2ConfigError('E2_API_TOKEN environment variable is not set (the IDrive e2 reseller API key)');
  }
  const token = tokenSchema.safeParse(env.E2_API_TOKEN);
  if (!token.success) {
    throw new E2ConfigError(`E2_API_TOKEN ${token.error.issues[0]?.message ?? 'is invalid'}`);
  }
  return { apiUrl: url.data, token: token.data };
}

export function validateE2Config(config: E2Config): E2Config {
  return e2ConfigFromEnv({ E2_API_URL: config.apiUrl, E2_API_TOKEN: config.token });
}
