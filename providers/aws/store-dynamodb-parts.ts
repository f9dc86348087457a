import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { eachLimited } from '../../shared/batch/each-limited';
import { joinParts, partKey, type PartsRef } from './store-dynamodb-items';

/**
 * Reading and removing the part items of split values (layout: store-dynamodb-items.ts), with
 * GetItem and DeleteItem a few at a time. Not BatchGetItem or BatchWriteItem: those are IAM
 * actions of their own that the functions' role does not grant (serverless.yml grants GetItem,
 * PutItem, DeleteItem and Query; TransactWriteItems is authorised per item by PutItem and
 * DeleteItem), and they would add unprocessed-key handling for no gain at a few parts per value.
 */
export interface PartsIo {
  sdk: typeof import('@aws-sdk/client-dynamodb');
  client: DynamoDBClient;
  table: string;
}

/** Requests in flight at once: a 3 MiB value has 8 parts. */
const CONCURRENCY = 10;

const partKeys = (split: PartsRef) => Array.from({ length: split.parts }, (_, i) => partKey(split.partsId, i));

/**
 * The values of split heads, read consistently. A value whose part is missing comes back
 * undefined: its head was overwritten or deleted meanwhile and the writer removed the parts.
 */
export async function readSplit(io: PartsIo, splits: readonly PartsRef[]): Promise<(string | undefined)[]> {
  const chunks = await eachLimited(splits.flatMap(partKeys), CONCURRENCY, async (Key) => {
    const out = await io.client.send(new io.sdk.GetItemCommand({ TableName: io.table, Key, ConsistentRead: true }));
    return out.Item?.chunk?.B;
  });
  let at = 0;
  return splits.map((split) => joinParts(split, chunks.slice(at, (at += split.parts))));
}

/**
 * Removes the parts of values that were overwritten or deleted: garbage collection after the
 * write has succeeded, so a failure here is swallowed (throwing would report a completed write as
 * failed, and a retried conditional write would then answer false). Parts it misses are
 * invisible (no head points at them) and, when the value had a TTL, DynamoDB's TTL deletes them
 * by their `purgeAt`.
 */
export async function dropParts(io: PartsIo, splits: readonly PartsRef[]): Promise<void> {
  try {
    await eachLimited(splits.flatMap(partKeys), CONCURRENCY, (Key) => io.client.send(new io.sdk.DeleteItemCommand({ TableName: io.table, Key })));
  } catch {
    // Garbage collection only; see above.
  }
}
