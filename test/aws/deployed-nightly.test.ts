import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysBetween, minusDays, utcToday } from '../../lambdas/calendar/days.ts';
import type { LedgerStore } from '../../lambdas/ledger/ports.ts';
import { dynamoLedgerStore } from '../../lambdas/store/dynamo-ledger-store.ts';
import { E2Simulator } from '../../local/simulator/server.ts';
import { type Deployment, deployLedger } from '../support/aws/deployment.ts';
import { requireEmulators } from '../support/aws/emulators.ts';

// The nightly as deployed: the synthesized definition run by moto's ASL interpreter, its tasks the
// bundled Lambda assets, against Amazon DynamoDB Local and moto's S3 (Object Lock) and Secrets
// Manager, every AWS call held to the function's synthesized IAM policy. See deployment.ts for
// what executes each part.

const TOKEN = 'deployed-nightly-token-0123456789';
const USERS = 40;
const BATCH = 4; // 40 users -> 10 batches, so one failed batch is exactly the tolerated 10%
const today = utcToday(new Date());
const yesterday = minusDays(today, 1);
const window = daysBetween(minusDays(yesterday, 3), yesterday);

const run = requireEmulators('the deployed nightly');
let sim: E2Simulator;
let aws: Deployment;
let ledger: LedgerStore;
let url: string;
type SnsDelivery = {
  Type: string;
  Subject?: string;
  Message: string;
};
let subscriber: Server;
let quotaQueueUrl: string;
const notifications: SnsDelivery[] = [];
const alertsSent = () =>
  notifications
    .filter((n) => n.Type === 'Notification')
    .map((n) => ({
      ...(JSON.parse(n.Message) as {
        transition: string;
        alert: { kind: string; email: string; level: number | null };
      }),
      subject: n.Subject,
    }));

beforeAll(async () => {
  sim = new E2Simulator({ seed: 23, users: USERS, token: TOKEN, today });
  url = await sim.start(0);
  aws = await deployLedger({
    e2ApiUrl: url,
    apiToken: TOKEN,
    retryTimeScale: 0.001,
    context: { 'e2-ledger.batchSize': BATCH },
  });
  ledger = dynamoLedgerStore(DynamoDBDocumentClient.from(aws.clients.dynamodb), aws.tableName);
  // An HTTP subscriber on the alerts topic, as a reseller's webhook would be.
  subscriber = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      notifications.push(JSON.parse(body) as SnsDelivery);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => subscriber.listen(0, '127.0.0.1', () => r()));
  await aws.clients.sns.send(
    new SubscribeCommand({
      TopicArn: aws.alertsTopicArn,
      Protocol: 'http',
      Endpoint: `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/alerts`,
    }),
  );
  // A queue that wants quota alerts only, filtered on the message attributes (as a pager would be).
  const queue = await aws.clients.sqs.send(new CreateQueueCommand({ QueueName: 'quota-alerts' }));
  quotaQueueUrl = queue.QueueUrl!;
  const { Attributes } = await aws.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: quotaQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await aws.clients.sns.send(
    new SubscribeCommand({
      TopicArn: aws.alertsTopicArn,
      Protocol: 'sqs',
      Endpoint: Attributes!.QueueArn!,
      Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ kind: ['quota'] }) },
    }),
  );
}, 180_000);

afterAll(async () => {
  subscriber?.close();
  await aws?.stop();
  await sim?.stop();
});

/** Who should have a snapshot on `day`: signed up and created by then. */
const expected = (day: string) =>
  [...sim.model.users.values()].filter((u) => u.signedUp && u.createdDay <= day).map((u) => u.email);

const text = async (bucket: string, key: string) =>
  (await aws.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

const failBatchesWith = (emails: readonly string[], attempts = Number.POSITIVE_INFINITY) => {
  aws.lambda.faults = (fn, event, attempt) => {
    const items = (event as { Items?: { email: string }[] }).Items ?? [];
    if (fn !== aws.functions.collectBatch || attempt > attempts) return null;
    return items.some((i) => emails.includes(i.email))
      ? { errorType: 'Runtime.ExitError', errorMessage: 'Error: Runtime exited with error: signal: killed' }
      : null;
  };
};

describe.runIf(run)('the deployed nightly state machine', () => {
  it("runs the schedule's input through the synthesized definition and stores every user-day", async () => {
    const input = aws.scheduleInput('SchedulesNightly');
    expect(input).toEqual({ request: { kind: 'nightly' } });
    const result = await aws.execute(input);
    expect(result.status, result.cause).toBe('SUCCEEDED');
    const { runId } = result.output as { runId: string };

    for (const day of window) {
      const stored = new Map<string, string>();
      for await (const page of ledger.snapshotsForDay(day))
        for (const s of page) stored.set(s.email, s.usageSource);
      expect(expected(day).length).toBeGreaterThan(20);
      // Exactly the accounts that existed that day; days before an account existed are not stored.
      expect([...stored.keys()].sort(), day).toEqual(expected(day).sort());
      for (const [email, source] of stored) expect(source, `${email} ${day}`).toBe('api');
    }
    const summary = await ledger.getRun(runId);
    expect(summary).toMatchObject({ status: 'succeeded', userDaysFailed: 0, from: window[0], to: yesterday });
    expect(summary!.executionArn).toMatch(/:execution:Nightly\w+:/);

    // The Distributed Map got the real run id in every batch, in batches of the configured size.
    const [map] = aws.mapRuns.slice(-1);
    expect(map!.batches).toHaveLength(USERS / BATCH);
    for (const batch of map!.batches) {
      expect(batch.status).toBe('SUCCEEDED');
      expect(batch.input.BatchInput).toEqual({ runId, request: { kind: 'nightly' } });
      expect(batch.input.Items.length).toBeLessThanOrEqual(BATCH);
    }

    // Daily usage in the reports bucket; activity in the audit bucket, under Object Lock.
    const usage = await text(
      aws.buckets.reports,
      `usage/daily/${yesterday.replaceAll('-', '/')}/usage-${yesterday}.csv`,
    );
    expect(usage.split('\r\n').filter((l) => l.includes(',collected,'))).toHaveLength(
      expected(yesterday).length,
    );
    const activityKey = `audit/activity/${yesterday.replaceAll('-', '/')}/activity-${yesterday}.csv`;
    const head = await aws.clients.s3.send(
      new HeadObjectCommand({ Bucket: aws.buckets.audit, Key: activityKey }),
    );
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 2500 * 86_400_000);
    const manifest = JSON.parse(
      await text(aws.buckets.audit, activityKey.replace('.csv', '.manifest.json')),
    ) as { complete: boolean; rows: number };
    expect(manifest.complete).toBe(true);
    expect((await text(aws.buckets.audit, activityKey)).split('\r\n').length - 2).toBe(manifest.rows);

    // Nothing any function did was refused by its policy, and the token was never logged.
    expect(aws.proxies.denied()).toEqual([]);
    expect(aws.lambda.logs.size).toBeGreaterThanOrEqual(3);
    for (const [fn, lines] of aws.lambda.logs) expect(lines.join('\n'), fn).not.toContain(TOKEN);

    // X-Ray, as the functions sent it to the daemon address: each handler a subsegment of its
    // invocation's trace, each IDrive attempt a remote subsegment with its operation, URL and status,
    // the AWS calls traced too, and no token or response body anywhere.
    await aws.lambda.tracesSettled();
    const spans = aws.lambda.spans();
    const idrive = spans.filter((s) => s.name.startsWith('IDrive '));
    const operations = new Set(idrive.map((s) => s.annotations?.idrive_operation));
    expect([...operations]).toEqual(
      expect.arrayContaining(['users.activity', 'users.list', 'users.usageStats']),
    );
    for (const s of idrive.slice(0, 50)) {
      expect(s.namespace).toBe('remote');
      expect(s.http?.request?.url).toMatch(new RegExp(`^${url.replace(/[.]/g, '\\.')}/api/reseller/v1/`));
      expect(s.http?.response?.status).toBe(200);
    }
    expect(idrive.length).toBeGreaterThan(50);
    expect(spans.some((s) => s.name === '## index.collectBatch')).toBe(true);
    expect(spans.some((s) => s.namespace === 'remote' && !s.name.startsWith('IDrive '))).toBe(true);
    for (const t of aws.lambda.traces) expect(t.raw).not.toContain(TOKEN);

    // Alerts: evaluated by finalize from the stored snapshots, published to the topic, delivered to
    // the HTTP subscriber as structured JSON, one message per account that crossed a threshold.
    const nearQuota = [...sim.model.users.values()].filter(
      (u, i) => i % 10 === 8 && u.signedUp && u.dailyRate > 0,
    );
    expect(nearQuota.length).toBeGreaterThanOrEqual(3);
    const deadline = Date.now() + 10_000;
    while (alertsSent().length < nearQuota.length + 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const sent = alertsSent();
    expect(
      sent
        .filter((a) => a.alert.kind === 'quota')
        .map((a) => [a.transition, a.alert.email, a.alert.level])
        .sort(),
    ).toEqual(nearQuota.map((u) => ['fired', u.email, 95]).sort());
    const drop = sent.find((a) => a.alert.kind === 'disk_drop');
    expect(drop).toMatchObject({
      transition: 'fired',
      alert: { email: [...sim.model.users.values()][4]!.email },
    });
    expect(drop!.subject).toMatch(/^e2-ledger: disk drop fired for /);
    // The attributes, seen by the filtered queue (moto passes them to SQS, not to HTTP subscribers):
    // only the quota alerts reach it, each with its kind and transition.
    const queued: { kind?: string; transition?: string; email: string }[] = [];
    for (;;) {
      const { Messages = [] } = await aws.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: quotaQueueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages)
        queued.push({
          kind: m.MessageAttributes?.kind?.StringValue,
          transition: m.MessageAttributes?.transition?.StringValue,
          email: (JSON.parse(m.Body!) as { alert: { email: string } }).alert.email,
        });
    }
    expect(queued.sort((a, b) => a.email.localeCompare(b.email))).toEqual(
      nearQuota
        .map((u) => ({ kind: 'quota', transition: 'fired', email: u.email }))
        .sort((a, b) => a.email.localeCompare(b.email)),
    );
    expect(
      sent.every((a) => (a as unknown as { schema: string }).schema === 'e2-ledger/alert-transition@1'),
    ).toBe(true);
    const alertsFile = await text(
      aws.buckets.reports,
      `alerts/${yesterday.replaceAll('-', '/')}/alerts-${yesterday}.csv`,
    );
    expect(alertsFile.split('\r\n').filter((l) => l.includes(',firing,'))).toHaveLength(sent.length);
  });

  it('tolerates one failed batch in ten, records its user-days as failed, and the next night collects them', async () => {
    const victim = expected(yesterday)[5]!;
    failBatchesWith([victim]);
    const before = aws.lambda.invocations.length;
    const result = await aws.execute({ request: { kind: 'nightly' } });
    aws.lambda.faults = null;
    // The Map stayed within its tolerance (no Catch); finalize saw the missing days and failed the run.
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('UserDaysMissing');
    expect(result.history.some((e) => JSON.stringify(e).includes('ExceedToleratedFailureThreshold'))).toBe(
      false,
    );
    const attempts = aws.lambda.invocations
      .slice(before)
      .filter((i) => i.function === aws.functions.collectBatch && i.error !== null);
    expect(attempts.length).toBeGreaterThanOrEqual(3); // the task's retries ran before the batch was given up
    const [latest] = await ledger.listRuns(1);
    const runId = latest!.runId;
    const outcomes = await ledger.userOutcomes(runId);
    const failed = outcomes.filter((o) => o.failures.some((f) => f.code === 'batch_failed'));
    expect(failed.map((o) => o.email)).toContain(victim);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.length).toBeLessThanOrEqual(BATCH);
    const summary = await ledger.getRun(runId);
    expect(summary!.status).toBe('failed');
    expect(summary!.userDaysFailed).toBe(failed.reduce((n, o) => n + o.failures.length, 0));

    const next = await aws.execute({ request: { kind: 'nightly' } });
    expect(next.status, next.cause).toBe('SUCCEEDED');
    for (const day of window) expect(await ledger.storedDays(victim, day, day), day).toEqual(new Set([day]));
  });

  it('finalizes through the Catch when more batches fail than tolerated, and a transient failure is retried away', async () => {
    const victims = [expected(yesterday)[1]!, expected(yesterday)[30]!];
    failBatchesWith(victims);
    const result = await aws.execute({ request: { kind: 'nightly' } });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('UserDaysMissing');
    const mapFailure = result.history.find((e) =>
      JSON.stringify(e).includes('ExceedToleratedFailureThreshold'),
    );
    expect(mapFailure).toBeDefined();
    expect(
      result.history.some(
        (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'Finalize run',
      ),
    ).toBe(true);

    failBatchesWith(victims, 1); // fails once, then the task's retry succeeds
    const retried = await aws.execute({ request: { kind: 'nightly' } });
    aws.lambda.faults = null;
    expect(retried.status, retried.cause).toBe('SUCCEEDED');
  });
});
