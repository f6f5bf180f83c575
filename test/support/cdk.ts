import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

/**
 * The context `cdk synth` would use (cdk.json, feature flags included) plus an alarm destination and
 * any overrides, for apps built in tests; bundling is skipped unless `bundle` is set.
 */
export function cdkContext(
  overrides: Record<string, unknown> = {},
  options: { bundle?: boolean } = {},
): Record<string, unknown> {
  const fromFile = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context as Record<
    string,
    unknown
  >;
  return {
    ...fromFile,
    'e2-ledger.alarmEmail': 'ops@example.com',
    ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    ...overrides,
  };
}
