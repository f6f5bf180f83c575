import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** Something the ledger store could not do; `cause` keeps the SDK's error. */
export class LedgerStoreError extends Error {
  override name = 'LedgerStoreError';
}

/** DynamoDB kept refusing part of a batch (throttling) after every retry round: nothing is dropped silently. */
export class UnprocessedItemsError extends LedgerStoreError {
  override name = 'UnprocessedItemsError';
  constructor(
    readonly unprocessed: number,
    readonly rounds: number,
  ) {
    super(`DynamoDB left ${unprocessed} item(s) unprocessed after ${rounds} rounds`);
  }
}

/** A stored item that does not decode as what its key says it is. */
export class StoredItemError extends LedgerStoreError {
  override name = 'StoredItemError';
}

/** A conditional write that lost: the item existed, or the condition no longer held. */
export function isConditionalCheckFailure(error: unknown): error is ConditionalCheckFailedException {
  return error instanceof ConditionalCheckFailedException;
}
