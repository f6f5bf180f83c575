import type * as z from 'zod';

/** Reads configuration from the environment once, failing with the variable's name when it is wrong. */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '')
    throw new ConfigError(`${name} environment variable is not set`);
  return value.trim();
}

export function intEnv(
  name: string,
  fallback: number,
  range: { min: number; max: number },
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < range.min || value > range.max)
    throw new ConfigError(`${name} must be from ${range.min} to ${range.max}, got ${value}`);
  return value;
}

/** A JSON variable read through `schema`, or null when unset; errors name the variable and the field. */
export function jsonEnv<S extends z.ZodType>(
  name: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} must be JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(
      `${name} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}
