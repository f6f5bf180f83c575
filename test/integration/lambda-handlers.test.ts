import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2Simulator } from '../../local/simulator/server.ts';
import { type LocalStores, startLocalStores } from '../../local/stores/local-stores.ts';

// The Lambda entry points, driven as Step Functions and API Gateway would drive them, with every AWS
// call going through the real SDK to dynalite, s3rver and a local Secrets Manager endpoint.

const TOKEN = 'lambda-test-token-0123456789';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:e2-token-AbCdEf';
let sim: E2Simulator;
let stores: LocalStores;
let secrets: Server;
let secretReads = 0;
let nightly: typeof import('../../lambdas/handlers/nightly.ts');
let monthly: typeof import('../../lambdas/handlers/monthly-invoices.ts');
let admin: typeof import('../../lambdas/handlers/admin-api.ts');
let runtime: typeof import('../../lambdas/handlers/runtime.ts');

beforeAll(async () => {
  sim = new E2Simulator({ seed: 31, users: 12, token: TOKEN, today: new Date().toISOString().slice(0, 10) });
  const simUrl = await sim.start(0);
  stores = await startLocalStores();
  // Secrets Manager's JSON protocol, answering GetSecretValue for the one secret.
  secrets = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const ok =
        req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' &&
        JSON.parse(body).SecretId === SECRET_ARN;
      secretReads++;
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify(
          ok
            ? { ARN: SECRET_ARN, Name: 'e2-token', SecretString: TOKEN }
            : { __type: 'ResourceNotFoundException', message: 'no such secret' },
        ),
      );
    });
  });
  await new Promise<void>((r) => secrets.listen(0, '127.0.0.1', () => r()));
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: stores.connection.s3Endpoint,
    credentials: stores.connection.s3Credentials!,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'e2-ledger-audit' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'e2-ledger-runs' }));
  s3.destroy();
  Object.assign(process.env, {
    E2L_TABLE: stores.table,
    E2L_BUCKET: stores.bucket,
    E2L_AUDIT_BUCKET: 'e2-ledger-audit',
    E2L_RUNS_BUCKET: 'e2-ledger-runs',
    E2L_ADMIN_PRINCIPALS: JSON.stringify({ 'arn:aws:iam::123456789012:user/alice': 'admin' }),
    E2L_ROLE_NAMES: 'E2LedgerViewer:viewer',
    E2L_S3_PATH_STYLE: 'true',
    E2L_CONCURRENCY: '4',
    E2_API_URL: simUrl,
    E2_API_TOKEN_SECRET_ARN: SECRET_ARN,
    E2L_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:nightly',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_DYNAMODB: stores.connection.dynamodbEndpoint,
    AWS_ENDPOINT_URL_S3: stores.connection.s3Endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    POWERTOOLS_METRICS_NAMESPACE: 'E2LedgerTest',
  });
  runtime = await import('../../lambdas/handlers/runtime.ts');
  nightly = await import('../../lambdas/handlers/nightly.ts');
  monthly = await import('../../lambdas/handlers/monthly-invoices.ts');
  admin = await import('../../lambdas/handlers/admin-api.ts');
});

afterAll(async () => {
  await new Promise<void>((r) => secrets.close(() => r()));
  await stores.stop();
  await sim.stop();
});

/** A Lambda context as the runtime passes it (the handlers log its request id and function name). */
let invocations = 0;
function lambdaContext(): Context {
  const requestId = `00000000-0000-4000-8000-${String(++invocations).padStart(12, '0')}`;
  return {
    awsRequestId: requestId,
    functionName: 'e2-ledger-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:e2-ledger-test',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/e2-ledger-test',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
const invoke = <E, R>(handler: (event: E, context: Context) => Promise<R>, event: E) =>
  handler(event, lambdaContext());

const lastMonth = () => {
  const d = new Date();
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 0));
  return {
    from: first.toISOString().slice(0, 10),
    to: last.toISOString().slice(0, 10),
    month: first.toISOString().slice(0, 7),
  };
};

describe('the nightly state machine, step by step', () => {
  it('lists users into a users file, collects it in batches, and finalizes the run and its exports', async () => {
    const { from, to } = lastMonth();
    const listed = await invoke(nightly.listUsers, { request: { kind: 'backfill', from, to } });
    expect(listed.users).toBe(12);
    const rt = runtime.runtime();
    const items = JSON.parse((await rt.runsObjects().getText(listed.usersKey))!) as { email: string }[];
    expect(items).toHaveLength(12);
    // The Distributed Map's ItemBatcher: batches of 5 with the shared batch input.
    for (let i = 0; i < items.length; i += 5) {
      const result = await invoke(nightly.collectBatch, {
        Items: items.slice(i, i + 5),
        BatchInput: { runId: listed.runId, request: listed.request },
      });
      expect(result.failedDays).toBe(0);
    }
    const finished = await invoke(nightly.finalize, { runId: listed.runId, request: listed.request });
    expect(finished).toMatchObject({ runId: listed.runId, status: 'succeeded', userDaysMissing: 0 });
    const run = await rt.ledger.getRun(listed.runId);
    expect(run!.apiRequests).toBeGreaterThan(0);
    expect(await rt.objects.getText(`usage/daily/${to.replaceAll('-', '/')}/usage-${to}.csv`)).toContain(
      'date,email',
    );
    // Audit files go to the audit bucket, not the reports bucket.
    expect(
      await rt.auditObjects.getText(`audit/activity/${to.replaceAll('-', '/')}/activity-${to}.csv`),
    ).toContain('date,email,timestamp');
    expect(
      await rt.objects.getText(`audit/activity/${to.replaceAll('-', '/')}/activity-${to}.csv`),
    ).toBeNull();
    expect(secretReads).toBe(1); // read once per container
  });

  it('rejects a malformed batch event naming the field', async () => {
    await expect(invoke(nightly.collectBatch, { Items: [], BatchInput: { runId: 'x' } })).rejects.toThrow(
      /Items|runId/,
    );
  });
});

describe('the monthly invoices handler', () => {
  it('drafts a month with the rate card from S3, refuses a month still open, and says where a missing card should go', async () => {
    const rt = runtime.runtime();
    const { month } = lastMonth();
    await expect(invoke(monthly.handler, { month })).rejects.toThrow(
      /no rate card at s3:\/\/e2-ledger-reports\/config\/rate-card.json/,
    );
    await rt.objects.putText(
      'config/rate-card.json',
      readFileSync(new URL('../../local/rate-card.example.json', import.meta.url), 'utf8'),
      'application/json',
    );
    const result = (await invoke(monthly.handler, { month, draft: true })) as {
      draft: number;
      invoicesKey: string;
    };
    expect(result).toMatchObject({ month, draft: 1 });
    expect(await rt.objects.getText(result.invoicesKey)).toContain('DRAFT');
    const thisMonth = new Date().toISOString().slice(0, 7);
    await expect(invoke(monthly.handler, { month: thisMonth })).rejects.toMatchObject({
      reason: 'month_open',
    });
  });
});

describe('every handler is instrumented', () => {
  /** What the function wrote while `work` ran: Powertools writes JSON log lines and EMF to stdout and stderr. */
  async function outputOf(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    const lines: string[] = [];
    const streams = [process.stdout, process.stderr] as const;
    const writes = streams.map((stream) => stream.write.bind(stream));
    streams.forEach((stream, i) => {
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        lines.push(...String(chunk).split('\n'));
        return writes[i]!(chunk, ...rest);
      }) as typeof stream.write;
    });
    try {
      await work().catch(() => undefined);
    } finally {
      streams.forEach((stream, i) => {
        stream.write = writes[i]!;
      });
    }
    return lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it('a handler that throws still publishes its metrics and logs the failure with the request id, not the event', async () => {
    const context = lambdaContext();
    const out = await outputOf(() =>
      monthly.handler({ month: new Date().toISOString().slice(0, 7), draft: false }, context),
    );
    const failure = out.find((l) => l.message === 'monthlyInvoices failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      function_request_id: context.awsRequestId,
      errorName: 'InvoiceRefusedError',
    });
    const emf = out.find((l) => l._aws !== undefined);
    expect(emf).toMatchObject({ InvoicesRefused: 1, HandlerFailures: 1, service: 'e2-ledger' });
    expect(JSON.stringify(out)).not.toContain(TOKEN);
  });

  it('a malformed event fails by name and message, counted, with nothing of the event logged', async () => {
    const out = await outputOf(() =>
      nightly.collectBatch({ Items: [{ email: 'leak@x.example' }], BatchInput: {} }, lambdaContext()),
    );
    expect(out.find((l) => l.message === 'collectBatch failed')).toMatchObject({ errorName: 'ZodError' });
    expect(out.find((l) => l._aws !== undefined)).toMatchObject({ HandlerFailures: 1 });
    expect(JSON.stringify(out)).not.toContain('leak@x.example');
  });
});

describe('the admin API handler', () => {
  const event = (method: string, path: string, principal?: string, body?: unknown) =>
    ({
      rawPath: path,
      body: body === undefined ? undefined : JSON.stringify(body),
      isBase64Encoded: false,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      queryStringParameters: undefined,
      requestContext: {
        requestId: 'req-1',
        http: { method },
        authorizer: principal ? { iam: { userArn: principal } } : undefined,
      },
    }) as never;

  it('refuses an event without an authenticated IAM principal', async () => {
    const response = await invoke(admin.handler, event('GET', '/users'));
    expect(response.statusCode).toBe(401);
  });

  it('serves routes for an IAM principal and audits changes under its ARN', async () => {
    const arn = 'arn:aws:iam::123456789012:user/alice';
    const users = await invoke(admin.handler, event('GET', '/users', arn));
    expect(users.statusCode).toBe(200);
    const created = await invoke(
      admin.handler,
      event('POST', '/users', arn, {
        email: 'lambda@customer.example',
        password: 'secret-pass',
        first_name: 'L',
        quota_gb: 0,
      }),
    );
    expect(created.statusCode).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    const audit = await runtime.runtime().ledger.auditRecords(today, today);
    // The pending record written before the IDrive call is replaced by its outcome (same key).
    expect(audit.filter((a) => a.principal === arn).map((a) => [a.action, a.outcome])).toEqual([
      ['users.create', 'succeeded'],
    ]);
  });
});
