/** Field names whose values never reach an audit record or a log line. */
const SECRET_FIELDS = new Set([
  'password',
  'private_key',
  'passphrase',
  'secret_key',
  'secretKey',
  'token',
  'authorization',
]);

/** A deep copy with every secret field replaced by `[REDACTED]`. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? '[REDACTED]' : redactSecrets(v)]),
    );
  }
  return value;
}
