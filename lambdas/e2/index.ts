export { E2Client } from './client.ts';
export { DEFAULT_E2_API_URL, type E2Config, E2ConfigError, e2ConfigFromEnv } from './config.ts';
export * from './errors.ts';
export type { E2Region } from './resources/storage.ts';
export type { E2UsageRow, E2User } from './resources/users.ts';
export type { ActivityRecord } from './schemas.ts';
export type { TransportOptions } from './transport.ts';
