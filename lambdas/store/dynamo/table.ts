import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailure, UnprocessedItemsError } from '../errors.ts';

const BATCH = 25;

export type BatchRetryOptions = { maxRounds?: number; sleep?: (ms: number) => Promise<void> };

export type Item = Record<string, unknown>;

/** The single table, with the few ways the adapters use it: paged queries, batches, first-writer-wins puts. */
export class DynamoTable {
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #maxRounds: number;

  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly name: string,
    options: BatchRetryOptions = {},
  ) {
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#maxRounds = options.maxRounds ?? 8;
  }

  async *query(input: Omit<QueryCommandInput, 'TableName'>): AsyncIterable<Item[]> {
    let startKey: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ TableName: this.name, ...input, ExclusiveStartKey: startKey }),
      );
      yield page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** Every item of a query, all pages, decoded. */
  async queryAll<T>(input: Omit<QueryCommandInput, 'TableName'>, decode: (item: Item) => T): Promise<T[]> {
    const out: T[] = [];
    for await (const items of this.query(input)) out.push(...items.map(decode));
    return out;
  }

  async get(key: { pk: string; sk: string }, consistent = false): Promise<Item | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: consistent }),
    );
    return result.Item;
  }

  async put(item: Item, condition?: Omit<PutCommandInput, 'TableName' | 'Item'>): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.name, Item: item, ...condition }));
  }

  /** A put that only the first writer wins: the primitive behind gapless numbers and claims. */
  claim(item: Item): Promise<boolean> {
    return this.putIf(item, { ConditionExpression: 'attribute_not_exists(pk)' });
  }

  /** A conditional put: false, not an error, when the condition does not hold. */
  putIf(item: Item, condition: Omit<PutCommandInput, 'TableName' | 'Item'>): Promise<boolean> {
    return conditional(this.put(item, condition));
  }

  /** A conditional UpdateItem: false, not an error, when the condition does not hold. */
  updateIf(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    return conditional(this.db.send(new UpdateCommand({ TableName: this.name, ...input })));
  }

  /** BatchWriteItem in 25s; unprocessed items are retried with backoff, and never dropped silently. */
  async batchPut(items: readonly Item[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH) {
      let pending = items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; pending.length > 0; round++) {
        if (round >= this.#maxRounds) throw new UnprocessedItemsError(pending.length, round);
        if (round > 0) await this.#sleep(Math.min(2_000, 50 * 2 ** round) * Math.random());
        const result = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.name]: pending } }));
        pending = (result.UnprocessedItems?.[this.name] ?? []) as typeof pending;
      }
    }
  }
}

async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}
