import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requireEnv } from '../config/env.ts';
import { E2Client } from '../e2/client.ts';
import { validateE2Config } from '../e2/config.ts';
import { traceIdriveAttempt } from './observability.ts';
import { runtime } from './runtime.ts';

// Apart from runtime.ts so that only the functions that call IDrive bundle its client.

let cachedE2: Promise<E2Client> | undefined;

/** The IDrive client, only for functions that call IDrive: the token is read from Secrets Manager on first use. */
export function e2Client(): Promise<E2Client> {
  cachedE2 ??= buildE2().catch((error) => {
    cachedE2 = undefined;
    throw error;
  });
  return cachedE2;
}

async function buildE2(): Promise<E2Client> {
  const config = runtime().config;
  const arn = requireEnv('E2_API_TOKEN_SECRET_ARN');
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  if (!secret.SecretString)
    throw new Error(
      'the IDrive e2 token secret has no string value; set it with aws secretsmanager put-secret-value',
    );
  const e2Config = validateE2Config({ apiUrl: config.apiUrl, token: secret.SecretString.trim() });
  return new E2Client(e2Config, {
    maxConcurrency: config.concurrency,
    timeoutMs: 20_000,
    traceAttempt: traceIdriveAttempt,
  });
}
