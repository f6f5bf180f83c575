import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { endOfMonth, format, startOfMonth, subMonths } from 'date-fns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerStore } from '../../lambdas/ledger/ports.ts';
import { dynamoLedgerStore } from '../../lambdas/store/dynamo-ledger-store.ts';
import { E2Simulator } from '../../local/simulator/server.ts';
import { ACCOUNT, arns } from '../support/aws/cloudformation.ts';
import { type Deployment, deployLedger } from '../support/aws/deployment.ts';
import { requireEmulators } from '../support/aws/emulators.ts';
import { evaluate } from '../support/aws/iam-policy.ts';

// The admin API and the monthly invoices as deployed (see deployment.ts for what runs each part).

const TOKEN = 'deployed-admin-token-0123456789';
const now = new Date();
// The simulator's history starts on the first of the month two months back: that month is complete.
const monthStart = startOfMonth(subMonths(now, 2));
const month = format(monthStart, 'yyyy-MM');
const from = format(monthStart, 'yyyy-MM-dd');
const to = format(endOfMonth(monthStart), 'yyyy-MM-dd');

const PDFS_PER_INVOCATION = 4;
const run = requireEmulators('the deployed admin API and monthly invoices');
let sim: E2Simulator;
let aws: Deployment;
let ledger: LedgerStore;

beforeAll(async () => {
  sim = new E2Simulator({ seed: 29, users: 12, token: TOKEN, today: format(now, 'yyyy-MM-dd') });
  const url = await sim.start(0);
  aws = await deployLedger({
    e2ApiUrl: url,
    apiToken: TOKEN,
    retryTimeScale: 0.001,
    // A few PDFs per month-files invocation, so a month here needs a chain of them, as a large one does.
    context: { 'e2-ledger.pdfsPerInvocation': String(PDFS_PER_INVOCATION) },
  });
  ledger = dynamoLedgerStore(DynamoDBDocumentClient.from(aws.clients.dynamodb), aws.tableName);
}, 180_000);

afterAll(async () => {
  await aws?.stop();
  await sim?.stop();
});

/** The IAM role the stack created for an admin API role, as the caller API Gateway reports. */
const assumed = (role: 'Viewer' | 'Operator' | 'Admin') => {
  const [id] = aws.stateless.resources('AWS::IAM::Role').find(([k]) => k.startsWith(`Admin${role}Role`))!;
  return `arn:aws:sts::${ACCOUNT}:assumed-role/${id}/alice`;
};

/** An API Gateway HTTP API (payload 2.0) event with IAM authorization, as the admin function gets it. */
const apiEvent = (method: string, path: string, userArn: string | null, body?: unknown) => ({
  version: '2.0',
  routeKey: 'ANY /{proxy+}',
  rawPath: path,
  rawQueryString: '',
  headers: body === undefined ? {} : { 'content-type': 'application/json' },
  requestContext: {
    accountId: ACCOUNT,
    apiId: 'adminapi01',
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
    requestId: randomUUID(),
    routeKey: 'ANY /{proxy+}',
    stage: '$default',
    time: now.toISOString(),
    timeEpoch: now.getTime(),
    ...(userArn
      ? { authorizer: { iam: { accessKey: 'ASIA', accountId: ACCOUNT, userArn, userId: 'AROA:alice' } } }
      : {}),
  },
  body: body === undefined ? undefined : JSON.stringify(body),
  isBase64Encoded: false,
});

const call = async (method: string, path: string, userArn: string | null, body?: unknown) => {
  const { result, error } = await aws.lambda.invoke(
    aws.functions.admin,
    apiEvent(method, path, userArn, body),
  );
  if (error) throw new Error(`admin function failed: ${error.errorType}: ${error.errorMessage}`);
  const r = result as { statusCode: number; body: string; headers: Record<string, string> };
  return { status: r.statusCode, json: JSON.parse(r.body), headers: r.headers };
};

describe.runIf(run)('the deployed admin API', () => {
  it('starts a backfill whose run id names the record and the execution, and follows it to the end', async () => {
    const started = await call('POST', '/runs', assumed('Operator'), { from, to });
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    const { runId, executionArn } = started.json as { runId: string; executionArn: string };
    expect(executionArn).toBe(
      `arn:aws:states:us-east-1:${ACCOUNT}:execution:${aws.stateMachineArn.split(':').at(-1)}:${runId}`,
    );
    const early = await call('GET', `/runs/${runId}`, assumed('Viewer'));
    expect(early.status).toBe(200);
    expect(['queued', 'running']).toContain(early.json.run.status);

    const result = await aws.waitFor(executionArn, 180_000);
    expect(result.status, result.cause).toBe('SUCCEEDED');
    const done = await call('GET', `/runs/${runId}`, assumed('Viewer'));
    expect(done.json.run).toMatchObject({
      runId,
      executionArn,
      status: 'succeeded',
      kind: 'backfill',
      from,
      to,
    });
    expect(done.json.failures).toEqual([]);
    const audit = await ledger.auditRecords(format(now, 'yyyy-MM-dd'), format(now, 'yyyy-MM-dd'));
    expect(audit.find((a) => a.action === 'runs.start')).toMatchObject({
      principal: assumed('Operator'),
      outcome: 'succeeded',
      status: 202,
    });
  });

  it('refuses a role below the route (403, audited), a principal with no role, and no principal (401)', async () => {
    const viewer = await call('POST', '/runs', assumed('Viewer'), { from, to });
    expect(viewer.status).toBe(403);
    expect(viewer.json.error).toMatchObject({ code: 'forbidden', requestId: expect.any(String) });
    const stranger = await call('GET', '/users', `arn:aws:iam::${ACCOUNT}:user/mallory`);
    expect(stranger.status).toBe(403);
    expect(stranger.json.error.message).toContain('has no e2-ledger role');
    const anonymous = await call('GET', '/users', null);
    expect(anonymous.status).toBe(401);
    const audit = await ledger.auditRecords(format(now, 'yyyy-MM-dd'), format(now, 'yyyy-MM-dd'));
    expect(audit.filter((a) => a.status === 403).map((a) => a.principal)).toEqual(
      expect.arrayContaining([assumed('Viewer'), `arn:aws:iam::${ACCOUNT}:user/mallory`]),
    );
  });
});

describe.runIf(run)('secrets through the deployed admin API', () => {
  it('a created secret key reaches the admin once and no log line, trace or store', async () => {
    const email = 'keys@customer.example';
    expect(
      (
        await call('POST', '/users', assumed('Operator'), {
          email,
          password: 'secret-pass',
          first_name: 'K',
          quota_gb: 0,
        })
      ).status,
    ).toBe(201);
    const dn = (
      await call('POST', `/users/${encodeURIComponent(email)}/regions`, assumed('Operator'), {
        region: 'LDN',
      })
    ).json.storageDn as string;
    const created = await call(
      'POST',
      `/users/${encodeURIComponent(email)}/regions/${encodeURIComponent(dn)}/access-keys`,
      assumed('Admin'),
      { name: 'backup', permissions: 1 },
    );
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const secret = created.json.secretKey as string;
    expect(secret.length).toBeGreaterThan(15);
    await aws.lambda.tracesSettled();
    // The key's invocation was traced (its segments arrived), so their absence of the secret means something.
    const last = aws.lambda.invocations.filter((i) => i.function === aws.functions.admin).at(-1)!;
    expect(aws.lambda.spans().filter((t) => t.trace_id === last.traceId).length).toBeGreaterThan(1);
    for (const [fn, lines] of aws.lambda.logs) {
      expect(lines.join('\n'), fn).not.toContain(secret);
      expect(lines.join('\n'), fn).not.toContain(TOKEN);
    }
    for (const t of aws.lambda.traces) {
      expect(t.raw).not.toContain(secret);
      expect(t.raw).not.toContain(TOKEN);
    }
    const records = await ledger.auditRecords(format(now, 'yyyy-MM-dd'), format(now, 'yyyy-MM-dd'));
    expect(records.some((r) => r.action === 'accessKeys.create')).toBe(true);
    expect(JSON.stringify(records)).not.toContain(secret);
  });
});

describe.runIf(run)('the deployed monthly invoices', () => {
  it('invoices the backfilled month with the rate card the operator uploaded', async () => {
    const card = readFileSync(new URL('../../local/rate-card.example.json', import.meta.url), 'utf8');
    await aws.clients.s3.send(
      new PutObjectCommand({ Bucket: aws.buckets.reports, Key: 'config/rate-card.json', Body: card }),
    );
    for (const [key, file] of [
      ['config/issuer.json', 'issuer.example.json'],
      ['config/issuer-logo.example.png', 'issuer-logo.example.png'],
    ] as const)
      await aws.clients.s3.send(
        new PutObjectCommand({
          Bucket: aws.buckets.reports,
          Key: key,
          Body: readFileSync(new URL(`../../local/${file}`, import.meta.url)),
        }),
      );
    const { result, error } = await aws.lambda.invoke(aws.functions.monthly, { month });
    expect(error, JSON.stringify(error)).toBeNull();
    const {
      documentsKey: invoicesKey,
      invoices: customers,
      issue,
    } = result as {
      documentsKey: string;
      invoices: number;
      issue: number;
    };
    expect(issue).toBe(1);
    expect(customers).toBeGreaterThan(5);
    expect(result).toMatchObject({ marginKey: null }); // no cost card uploaded yet
    // The monthly run started the month's files asynchronously; they ran as their own function, which
    // continued in new invocations of itself (allowed by its own policy) until every PDF was written,
    // none of them an error (so no alarm).
    await aws.lambda.asyncSettled();
    const filesRuns = aws.lambda.invocations.filter((i) => i.function === aws.functions.monthFiles);
    const chain = Math.ceil(customers / PDFS_PER_INVOCATION);
    expect(chain).toBeGreaterThan(1);
    expect(filesRuns.map((i) => i.error)).toEqual(new Array(chain).fill(null));
    expect(filesRuns.map((i) => i.event)).toEqual([
      { month },
      ...Array.from({ length: chain - 1 }, (_, k) => ({ month, continuation: k + 1 })),
    ]);
    // The first wrote the report, workbook and export and its share of PDFs; the others only PDFs.
    expect(filesRuns.map((i) => i.result)).toEqual([
      {
        month,
        pdfsWritten: PDFS_PER_INVOCATION,
        pdfsExisting: 0,
        pdfsRemaining: customers - PDFS_PER_INVOCATION,
        continuedAs: 1,
      },
      ...Array.from({ length: chain - 1 }, (_, k) => {
        const existing = PDFS_PER_INVOCATION * (k + 1); // written by the invocations before
        const written = Math.min(PDFS_PER_INVOCATION, customers - existing);
        const pdfsRemaining = customers - existing - written;
        const next = pdfsRemaining > 0 ? { continuedAs: k + 2 } : {};
        return { month, pdfsWritten: written, pdfsExisting: existing, pdfsRemaining, ...next };
      }),
    ]);
    const keys = async (prefix: string) =>
      (
        (await aws.clients.s3.send(new ListObjectsV2Command({ Bucket: aws.buckets.reports, Prefix: prefix })))
          .Contents ?? []
      ).map((o) => o.Key!);
    expect(await keys(`reports/${month}/`)).toEqual([`reports/${month}/report-${month}.html`]);
    expect((await keys(`invoices/${month}/documents/`)).filter((k) => k.endsWith('.pdf'))).toHaveLength(
      customers,
    );
    expect(await keys(`invoices/${month}/invoices-${month}.xlsx`)).toHaveLength(1);
    expect(await keys(`exports/focus/${month}/`)).toEqual([
      `exports/focus/${month}/focus-${month}.csv`,
      `exports/focus/${month}/focus-${month}.manifest.json`,
    ]);
    expect(aws.proxies.denied()).toEqual([]);
    // Issued again, nothing changes: no new issue, no document rewritten; with a cost card the margins are written.
    const costs = readFileSync(new URL('../../local/cost-card.example.json', import.meta.url), 'utf8');
    await aws.clients.s3.send(
      new PutObjectCommand({ Bucket: aws.buckets.reports, Key: 'config/cost-card.json', Body: costs }),
    );
    const again = await aws.lambda.invoke(aws.functions.monthly, { month });
    expect(again.result).toMatchObject({
      issue: null,
      invoices: 0,
      creditNotes: 0,
      unchanged: customers,
      marginKey: `invoices/${month}/margin-${month}.csv`,
    });
    const margins = await (
      await aws.clients.s3.send(
        new GetObjectCommand({ Bucket: aws.buckets.reports, Key: `invoices/${month}/margin-${month}.csv` }),
      )
    ).Body!.transformToString();
    expect(margins.split('\r\n')[0]).toMatch(/^\uFEFFemail,revenue,storage_cost,deleted_storage_cost,/);
    expect(margins.split('\r\n').filter((l) => l.includes('@'))).toHaveLength(customers);
    expect(aws.proxies.denied(aws.functions.monthly)).toEqual([]);
    const listed = await aws.clients.s3.send(
      new ListObjectsV2Command({ Bucket: aws.buckets.reports, Prefix: `invoices/${month}/` }),
    );
    expect((listed.Contents ?? []).map((o) => o.Key)).toContain(invoicesKey);
    const csv = await (
      await aws.clients.s3.send(new GetObjectCommand({ Bucket: aws.buckets.reports, Key: invoicesKey }))
    ).Body!.transformToString();
    expect(csv.split('\r\n').filter((l) => l.includes(`INV-${month.replace('-', '')}-`))).toHaveLength(
      customers,
    );
  });
  it('a month-files invocation that can render no PDF in its time fails, saying how to finish; the next one does', async () => {
    const listed = await aws.clients.s3.send(
      new ListObjectsV2Command({ Bucket: aws.buckets.reports, Prefix: `invoices/${month}/documents/` }),
    );
    const pdf = listed.Contents!.map((o) => o.Key!).find((k) => k.endsWith('.pdf'))!;
    await aws.clients.s3.send(new DeleteObjectCommand({ Bucket: aws.buckets.reports, Key: pdf }));
    // The function stops a minute before its timeout: with 60 seconds, before the first PDF.
    aws.lambda.setTimeout(aws.functions.monthFiles, 60);
    const stuck = await aws.lambda.invoke(aws.functions.monthFiles, { month, continuation: 1 });
    expect(stuck.error?.errorMessage).toBe(
      `1 PDF(s) of ${month} remain and this invocation could render none before its time ran out: invoke this function with {"month":"${month}"} to render the rest (written PDFs are skipped)`,
    );
    aws.lambda.setTimeout(aws.functions.monthFiles, 900);
    const next = await aws.lambda.invoke(aws.functions.monthFiles, { month, continuation: 1 });
    expect(next).toEqual({
      result: { month, pdfsWritten: 1, pdfsExisting: listed.Contents!.length - 1, pdfsRemaining: 0 },
      error: null,
    });
  });
  it('shows up in GET /status with the schedule and the rate card as deployed', async () => {
    const status = await call('GET', '/status', assumed('Viewer'));
    expect(status.status).toBe(200);
    expect(status.json.rateCard).toEqual({ key: 'config/rate-card.json', present: true });
    expect(status.json.lastIssuedMonth).toBe(month);
    expect(status.json.lastRun).toMatchObject({ kind: 'backfill', status: 'succeeded', from, to });
    // The stack's default schedule: nightly at 02:30 UTC, invoices on the 4th at 06:00 UTC.
    expect(status.json.nextNightly).toMatch(/T02:30:00\.000Z$/);
    expect(status.json.nextMonthly).toMatch(/-04T06:00:00\.000Z$/);
  });
});

describe.runIf(run)('least privilege, as executed', () => {
  it('every call every function made was allowed by its own policy', () => {
    expect(aws.proxies.calls.length).toBeGreaterThan(100);
    expect(aws.proxies.denied()).toEqual([]);
    const callers = new Set(aws.proxies.calls.map((c) => c.caller));
    for (const fn of Object.values(aws.functions)) expect(callers, fn).toContain(fn);
  });

  it('the admin API cannot delete or overwrite snapshots, profiles, invoices, number claims or audit files', () => {
    const admin = aws.functionPolicies[aws.functions.admin]!;
    const table = arns.table(aws.tableName);
    const denied = (action: string, resource: string, leadingKeys?: string[]) =>
      expect(
        evaluate(admin, {
          action,
          resource,
          ...(leadingKeys ? { context: { 'dynamodb:LeadingKeys': leadingKeys } } : {}),
        }).allowed,
        `${action} ${leadingKeys ?? resource}`,
      ).toBe(false);
    for (const action of [
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:BatchWriteItem',
    ])
      for (const key of ['USER#ann@example.com', `INVOICES#${month}`]) denied(action, table, [key]);
    denied('dynamodb:DeleteItem', table, ['AUDIT#2026-11-01']);
    denied('dynamodb:UpdateItem', table, ['AUDIT#2026-11-01']);
    denied('dynamodb:Scan', table);
    for (const bucket of Object.values(aws.buckets))
      for (const action of [
        's3:PutObject',
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:PutObjectRetention',
      ])
        denied(action, `${arns.bucket(bucket)}/audit/activity/x.csv`);
    // What it does need stays allowed.
    expect(
      evaluate(admin, {
        action: 'dynamodb:PutItem',
        resource: table,
        context: { 'dynamodb:LeadingKeys': ['AUDIT#2026-11-01'] },
      }).allowed,
    ).toBe(true);
  });

  it('no function can write what another one owns', () => {
    const table = arns.table(aws.tableName);
    const can = (fn: string, action: string, key: string) =>
      evaluate(aws.functionPolicies[fn]!, {
        action,
        resource: table,
        context: { 'dynamodb:LeadingKeys': [key] },
      }).allowed;
    expect(can(aws.functions.collectBatch, 'dynamodb:PutItem', `INVOICES#${month}`)).toBe(false);
    expect(can(aws.functions.monthly, 'dynamodb:BatchWriteItem', 'USER#ann@example.com')).toBe(false);
    expect(can(aws.functions.finalize, 'dynamodb:UpdateItem', 'USER#ann@example.com')).toBe(false);
    expect(can(aws.functions.listUsers, 'dynamodb:PutItem', `INVOICES#${month}`)).toBe(false);
    const secret = aws.stateful.ref(aws.stateful.resources('AWS::SecretsManager::Secret')[0]![0]);
    for (const fn of [aws.functions.finalize, aws.functions.monthly])
      expect(
        evaluate(aws.functionPolicies[fn]!, { action: 'secretsmanager:GetSecretValue', resource: secret })
          .allowed,
        fn,
      ).toBe(false);
  });
});
