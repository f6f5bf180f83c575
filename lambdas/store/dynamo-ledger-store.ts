import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import { plusDays } from '../calendar/days.ts';
import type { DraftRecord, InvoiceDocument, IssueRecord } from '../ledger/invoice-documents.ts';
import type {
  AuditRecord,
  InvoiceVersion,
  RunSummary,
  UsageSnapshot,
  UserProfile,
  UserRunOutcome,
} from '../ledger/model.ts';
import type { LedgerStore } from '../ledger/ports.ts';
import { decode, draftRecordSchema, invoiceDocumentSchema, issueRecordSchema } from './invoice-items.ts';
import { keys } from './table.ts';

const BATCH = 25;

export type BatchRetryOptions = { maxRounds?: number; sleep?: (ms: number) => Promise<void> };

/** The ledger on DynamoDB (dynalite locally): conditional writes and batches, no transactions. */
export class DynamoLedgerStore implements LedgerStore {
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #maxRounds: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    options: BatchRetryOptions = {},
  ) {
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#maxRounds = options.maxRounds ?? 8;
  }

  async putSnapshots(snapshots: readonly UsageSnapshot[]): Promise<void> {
    await this.#batchPut(
      snapshots.map((s) => ({
        pk: keys.user(s.email),
        sk: keys.day(s.day),
        gsi1pk: keys.day(s.day),
        gsi1sk: keys.user(s.email),
        type: 'snapshot',
        ...s,
      })),
    );
  }

  async storedDays(email: string, from: string, to: string): Promise<Set<string>> {
    const days = new Set<string>();
    for await (const items of this.#query({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.user(email), ':from': keys.day(from), ':to': keys.day(to) },
      ProjectionExpression: '#day',
      ExpressionAttributeNames: { '#day': 'day' },
    })) {
      for (const item of items) days.add(item.day as string);
    }
    return days;
  }

  async storedDaysByUser(from: string, to: string): Promise<Map<string, Set<string>>> {
    const byUser = new Map<string, Set<string>>();
    for (let day = from; day <= to; day = plusDays(day, 1)) {
      for await (const items of this.#query({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.day(day) },
        ProjectionExpression: 'email',
      })) {
        for (const item of items) {
          const email = item.email as string;
          const days = byUser.get(email) ?? new Set<string>();
          days.add(day);
          byUser.set(email, days);
        }
      }
    }
    return byUser;
  }

  async snapshotsForUser(email: string, from: string, to: string): Promise<UsageSnapshot[]> {
    return this.#queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': keys.user(email), ':from': keys.day(from), ':to': keys.day(to) },
      },
      toSnapshot,
    );
  }

  async *snapshotsForDay(day: string): AsyncIterable<UsageSnapshot[]> {
    for await (const items of this.#query({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.day(day) },
    })) {
      yield items.map(toSnapshot);
    }
  }

  // UpdateItem, not Put, so that a profile refresh never resets the cursor another worker advanced.
  async putProfiles(profiles: readonly Omit<UserProfile, 'collectedThrough'>[]): Promise<void> {
    await pMap(profiles, (p) => this.#updateProfile(p), { concurrency: 16 });
  }

  async #updateProfile(p: Omit<UserProfile, 'collectedThrough'>): Promise<void> {
    const fields = { gsi1pk: keys.directory, gsi1sk: p.email, type: 'profile', ...p };
    const names = Object.keys(fields);
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: keys.user(p.email), sk: keys.profile },
        UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
        ExpressionAttributeValues: Object.fromEntries(
          names.map((n, i) => [`:v${i}`, fields[n as keyof typeof fields]]),
        ),
      }),
    );
  }

  async advanceCursor(email: string, day: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.user(email), sk: keys.profile },
          UpdateExpression: 'SET collectedThrough = :day',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(collectedThrough) OR collectedThrough < :day OR collectedThrough = :null)',
          ExpressionAttributeValues: { ':day': day, ':null': null },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async listProfiles(): Promise<UserProfile[]> {
    return this.#queryAll(
      {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.directory },
      },
      (i) => ({ collectedThrough: null, ...strip(i) }) as UserProfile,
    );
  }

  async putRun(run: RunSummary): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: keys.run(run.runId),
          sk: keys.runSummary,
          gsi1pk: keys.runs,
          gsi1sk: `${run.startedAt}#${run.runId}`,
          type: 'run',
          ...run,
        },
      }),
    );
  }

  async addRunApiStats(runId: string, requests: number, retries: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: keys.run(runId), sk: keys.runSummary },
        UpdateExpression: 'ADD apiRequests :r, apiRetries :t',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':r': requests, ':t': retries },
      }),
    );
  }

  async getRun(runId: string): Promise<RunSummary | null> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: keys.run(runId), sk: keys.runSummary } }),
    );
    return result.Item ? (strip(result.Item) as RunSummary) : null;
  }

  async listRuns(limit: number): Promise<RunSummary[]> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.runs },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((i) => strip(i) as RunSummary);
  }

  async putUserOutcomes(outcomes: readonly UserRunOutcome[]): Promise<void> {
    await this.#batchPut(
      outcomes.map((o) => ({ pk: keys.run(o.runId), sk: keys.user(o.email), type: 'outcome', ...o })),
    );
  }

  async userOutcomes(runId: string): Promise<UserRunOutcome[]> {
    return this.#queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :user)',
        ExpressionAttributeValues: { ':pk': keys.run(runId), ':user': 'USER#' },
      },
      (i) => strip(i) as UserRunOutcome,
    );
  }

  async monthDocuments(month: string): Promise<InvoiceDocument[]> {
    return this.#queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
        ExpressionAttributeValues: { ':pk': keys.invoices(month), ':d': 'DOC#' },
        ConsistentRead: true,
      },
      (i) => decode(invoiceDocumentSchema, i, 'document'),
    );
  }

  async lastPosition(sequence: string): Promise<number> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.sequence(sequence) },
        ProjectionExpression: '#p',
        ExpressionAttributeNames: { '#p': 'position' },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return (result.Items?.[0]?.position as number | undefined) ?? 0;
  }

  claimDocument(document: InvoiceDocument): Promise<boolean> {
    return this.#claim({
      // No item-kind attribute here: `type` is the document's own (invoice or credit_note).
      pk: keys.sequence(document.sequence),
      sk: keys.position(document.position),
      ...document,
    });
  }

  async claimedDocument(sequence: string, position: number): Promise<InvoiceDocument | null> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: keys.sequence(sequence), sk: keys.position(position) },
        ConsistentRead: true,
      }),
    );
    return result.Item ? decode(invoiceDocumentSchema, result.Item, 'document claim') : null;
  }

  async claimedFrom(sequence: string, position: number): Promise<InvoiceDocument[]> {
    return this.#queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND sk >= :from',
        ExpressionAttributeValues: { ':pk': keys.sequence(sequence), ':from': keys.position(position) },
        ConsistentRead: true,
      },
      (i) => decode(invoiceDocumentSchema, i, 'document claim'),
    );
  }

  async recordDocuments(documents: readonly InvoiceDocument[]): Promise<void> {
    await this.#batchPut(
      documents.map((d) => ({ pk: keys.invoices(d.month), sk: keys.document(d.number), ...d })),
    );
  }

  async issues(month: string): Promise<IssueRecord[]> {
    return this.#queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :i)',
        ExpressionAttributeValues: { ':pk': keys.invoices(month), ':i': 'ISSUE#' },
        ConsistentRead: true,
      },
      (i) => decode(issueRecordSchema, i, 'issue record'),
    );
  }

  createIssue(issue: IssueRecord): Promise<boolean> {
    return this.#claim({
      pk: keys.invoices(issue.month),
      sk: keys.issue(issue.issue),
      type: 'issue',
      ...issue,
    });
  }

  async completeIssue(issue: IssueRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: keys.invoices(issue.month),
          sk: keys.issue(issue.issue),
          type: 'issue',
          ...issue,
          ...(issue.status === 'complete'
            ? { gsi1pk: keys.invoiceIssues, gsi1sk: `${issue.month}#${keys.issue(issue.issue)}` }
            : {}),
        },
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  async drafts(month: string): Promise<DraftRecord[]> {
    return this.#queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
        ExpressionAttributeValues: { ':pk': keys.invoices(month), ':d': 'DRAFT#' },
        ConsistentRead: true,
      },
      (i) => decode(draftRecordSchema, i, 'draft record'),
    );
  }

  claimDraft(draft: DraftRecord): Promise<boolean> {
    return this.#claim({
      pk: keys.invoices(draft.month),
      sk: keys.draft(draft.draft),
      type: 'draft',
      ...draft,
    });
  }

  async acquireLease(
    name: string,
    holder: string,
    now: Date,
    ttlMs: number,
  ): Promise<{ acquired: true } | { acquired: false; holder: string; expiresAt: string }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: keys.lease(name),
            sk: keys.leaseItem,
            type: 'lease',
            holder,
            acquiredAt: now.toISOString(),
            expiresAtMs: now.getTime() + ttlMs,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': now.getTime(), ':holder': holder },
        }),
      );
      return { acquired: true };
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const current = await this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: keys.lease(name), sk: keys.leaseItem },
          ConsistentRead: true,
        }),
      );
      return {
        acquired: false,
        holder: String(current.Item?.holder ?? 'unknown'),
        expiresAt: new Date(Number(current.Item?.expiresAtMs ?? 0)).toISOString(),
      };
    }
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.lease(name), sk: keys.leaseItem },
          UpdateExpression: 'SET expiresAtMs = :zero',
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':zero': 0, ':holder': holder },
        }),
      );
    } catch (error) {
      // Taken over after it expired: nothing of ours to release.
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async lastIssuedInvoiceMonth(): Promise<string | null> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.invoiceIssues },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return (result.Items?.[0]?.month as string | undefined) ?? null;
  }

  async invoiceVersions(month: string): Promise<InvoiceVersion[]> {
    return this.#queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
        ExpressionAttributeValues: { ':pk': keys.invoices(month), ':v': 'VERSION#' },
        ConsistentRead: true,
      },
      (i) => strip(i) as InvoiceVersion,
    );
  }

  // Append-only: the intent (pending) and the outcome are separate items, each written once.
  async putAudit(record: AuditRecord): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: keys.audit(record.at.slice(0, 10)),
            sk: `${record.at}#${record.requestId}#${record.outcome === 'pending' ? 0 : 1}`,
            type: 'audit',
            ...record,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // The same record written again (a retried request): already on file.
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  /** One record per request: its outcome when there is one, else its pending intent (a crash). */
  async auditRecords(from: string, to: string): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for (let day = from; day <= to; day = plusDays(day, 1)) {
      const records = await this.#queryAll(
        { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.audit(day) } },
        (i) => strip(i) as AuditRecord,
      );
      const byRequest = new Map<string, AuditRecord>();
      for (const r of records) {
        const key = `${r.at}#${r.requestId}`;
        if (!byRequest.has(key) || r.outcome !== 'pending') byRequest.set(key, r);
      }
      out.push(...byRequest.values());
    }
    return out;
  }

  /** A conditional put that only succeeds for the first writer: the primitive behind gapless numbers. */
  async #claim(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Every item of a query, all pages, mapped. */
  async #queryAll<T>(
    input: Omit<QueryCommandInput, 'TableName'>,
    map: (item: Record<string, unknown>) => T,
  ): Promise<T[]> {
    const out: T[] = [];
    for await (const items of this.#query(input)) out.push(...items.map(map));
    return out;
  }

  async *#query(input: Omit<QueryCommandInput, 'TableName'>): AsyncIterable<Record<string, unknown>[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ TableName: this.table, ...input, ExclusiveStartKey: startKey }),
      );
      yield page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** BatchWriteItem in 25s; unprocessed items are retried with backoff, and never dropped silently. */
  async #batchPut(items: readonly Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH) {
      let pending = items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; pending.length > 0; round++) {
        if (round >= this.#maxRounds) {
          throw new Error(`DynamoDB left ${pending.length} items unprocessed after ${round} rounds`);
        }
        if (round > 0) await this.#sleep(Math.min(2_000, 50 * 2 ** round) * Math.random());
        const result = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (result.UnprocessedItems?.[this.table] ?? []) as typeof pending;
      }
    }
  }
}

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, type: _t, ...rest } = item;
  return rest;
}

function toSnapshot(item: Record<string, unknown>): UsageSnapshot {
  return strip(item) as UsageSnapshot;
}
