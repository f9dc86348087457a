import type { DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, isDelete, listLimit, type PutOptions, type StateStore } from '../../shared/ports/store';
import { checkStoreWrites, checkText } from '../../shared/store/text-and-ttl';
import { once } from '../common/once';
import { checkTransaction, type Head, headKey, type Item, LIVE, PARTITION, planWrite, splitOf, toHead, type WritePlan } from './store-dynamodb-items';
import { dropParts, type PartsIo } from './store-dynamodb-parts';
import { readItem, withValues } from './store-dynamodb-read';
import { cancellationCodes, DynamoOutcomeUnknown, dynamoReason, retryBusy } from './store-dynamodb-errors';
import { earlierTryMayHaveApplied, noteTries } from './store-dynamodb-resend';
import { guardStore } from '../../shared/store/unavailable';
import { type AwsTimeouts, awsClientConfig } from './client-options';

export { createStateTable } from './store-dynamodb-table';
export { MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES, MAX_VALUE_BYTES, PARTITION, PARTS_PARTITION, SLICE_BYTES } from './store-dynamodb-items';

/**
 * StateStore on DynamoDB. One table, partition key `pk` (S), sort key `sk` (S); every key's head
 * item lives in the one partition `pk = "secorch"` with `sk = key`, because only a sort key is
 * ordered: `list` is a Query with `begins_with(sk, :prefix)` in ascending sk order (UTF-8 byte
 * order, which equals code-unit order except that U+E000..U+FFFF sort before astral characters)
 * and paging by ExclusiveStartKey. The price is one partition's throughput, about 3,000 RCU and
 * 1,000 WCU per second (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html);
 * adaptive capacity cannot split a single partition-key value. To scale later, shard by prefix:
 * `pk = "secorch#" + <first path segment>` keeps each prefix ordered within its own partition.
 *
 * Values up to MAX_VALUE_BYTES (3 MiB): one that fits DynamoDB's 400 KB item stays inline in its
 * head; a larger one is split into part items outside the head partition (layout and limits:
 * store-dynamodb-items.ts), written with its head in one TransactWriteItems, so the condition
 * still decides the whole write atomically. Reads take the head, then its parts (consistent
 * GetItems); a part gone missing means a writer replaced the head meanwhile, so the read starts
 * again from the head. Only GetItem, PutItem, DeleteItem, Query and TransactWriteItems are used:
 * the IAM actions serverless.yml grants.
 *
 * Expiry is judged by the injected clock only: `expiresAt` (epoch ms) is stored, reads filter on
 * it and conditions test it (`expiresAt <= :now` is gone). `purgeAt` (epoch seconds, an hour
 * after expiry for clock skew) is for DynamoDB's native TTL, which deletes lazily: garbage
 * collection only, never a visibility decision. Parts carry their head's `purgeAt`.
 *
 * Conditional puts of inline values are single PutItems with a ConditionExpression, so DynamoDB
 * checks and writes atomically; ConditionalCheckFailedException answers false. putAll is one
 * TransactWriteItems (at most 25 distinct keys, checkWrites, plus the parts of large values, within
 * the transaction's 100 items and 4 MB) of Puts and unconditional Deletes (a Delete of an absent
 * item succeeds); a cancellation with a ConditionalCheckFailed reason answers false; conflicts with
 * a concurrent transaction and cancellations for capacity, which the SDK does not retry, are
 * retried (store-dynamodb-errors.ts).
 *
 * Parts of a value that is overwritten or deleted are no longer reachable (a head names its parts
 * by a per-write id) and are removed right after the write when the store knows them: put and
 * delete get the old head back from DynamoDB (ReturnValues ALL_OLD: strongly consistent and no
 * read capacity, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html),
 * and a split put, a transaction, which has no ALL_OLD, reads the head first. Trade-off: putAll does not read the heads it overwrites (it would double the cost of the
 * delivery engine's small batches), a split put racing another writer can miss the parts it
 * replaced, and a crash between the write and the cleanup leaves them too; such parts stay
 * invisible and DynamoDB's TTL collects them when the value had a TTL, while those of a value
 * without one stay in the table as dead storage. *
 * The client's waits are bounded (client-options.ts); DynamoDB unreachable (timeouts, refused or
 * reset connections, DNS), throttling and 5xx that outlast the SDK's retries, contention that
 * outlasts ours are a 503 store_unavailable naming the operation, with Retry-After (dynamoReason).
 */
export interface DynamoStoreOptions extends AwsTimeouts {
  table: string;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  client?: DynamoDBClient;
  region?: string;
  endpoint?: string;
  clock: Clock;
}

/** The store's name in store_unavailable messages (shared/store/unavailable.ts). */
const STORE = 'DynamoDB';
/** Its name in argument errors (shared/store/text-and-ttl.ts): keys, values and TTLs every store refuses alike. */
const NAME = 'dynamoStore';
const guarded = <T>(store: string, op: string, run: () => Promise<T>) => guardStore(store, op, dynamoReason, run);

const errorName = (e: unknown) => (e as { name?: unknown } | null)?.name;
const transactItems = (plan: WritePlan): TransactWriteItem[] => [{ Put: plan.head }, ...plan.parts.map((Put) => ({ Put }))];

export function dynamoStore(opts: DynamoStoreOptions): StateStore {
  if (!opts.table) throw new Error('dynamoStore needs a table name (config store.table)');
  const { table, clock } = opts;
  const load = once(async (): Promise<PartsIo> => {
    const sdk = await import('@aws-sdk/client-dynamodb');
    const client = opts.client ?? new sdk.DynamoDBClient(awsClientConfig(opts));
    noteTries(client); // tells a resent put from a lost race (store-dynamodb-resend.ts)
    return { sdk, table, client };
  });

  /** One TransactWriteItems; false when a condition failed. */
  async function transact(io: PartsIo, items: TransactWriteItem[]): Promise<boolean> {
    checkTransaction(items);
    try {
      await io.client.send(new io.sdk.TransactWriteItemsCommand({ TransactItems: items }));
      return true;
    } catch (e) {
      if (errorName(e) === 'TransactionCanceledException' && cancellationCodes(e).includes('ConditionalCheckFailed')) return false;
      throw e;
    }
  }

  /**
   * A split put: the head and its parts in one transaction, then the replaced value's parts
   * removed. The head is read first because a transaction cannot return the item it replaced.
   */
  async function putSplit(io: PartsIo, key: string, plan: WritePlan): Promise<boolean> {
    const before = await io.client.send(new io.sdk.GetItemCommand({
      TableName: table, Key: headKey(key), ConsistentRead: true,
      ProjectionExpression: '#p, #i, #b', ExpressionAttributeNames: { '#p': 'parts', '#i': 'partsId', '#b': 'bytes' },
    }));
    if (!(await transact(io, transactItems(plan)))) return false;
    const old = splitOf(before.Item);
    if (old) await dropParts(io, [old]);
    return true;
  }

  /**
   * Whether a conditional put that failed its condition had in fact been applied: the SDK resends
   * a request whose answer was lost (a reset connection, a timeout after DynamoDB wrote), and the
   * resend then fails the condition the first send satisfied, on the item it wrote itself. Every
   * write has its own version, so finding ours means the put succeeded. Finding another writer's
   * version after a try that may have been applied (no answer or a 5xx: store-dynamodb-resend.ts),
   * the put may or may not have been: 503 (commit outcome unknown), as Firestore. Sent once, or
   * resent only after refusals that wrote nothing (throttling, a 4xx), the condition failed. (A
   * transaction needs no such check: the SDK's ClientRequestToken makes resends idempotent.)
   */
  async function ownWrite(io: PartsIo, key: string, version: string, failed: unknown): Promise<boolean> {
    const now = await io.client.send(new io.sdk.GetItemCommand({
      TableName: table, Key: headKey(key), ConsistentRead: true, ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'version' },
    }));
    if (now.Item?.version?.S === version) return true;
    if (earlierTryMayHaveApplied(failed)) throw new DynamoOutcomeUnknown({ cause: failed });
    return false;
  }

  return {
    get: (key) => guarded(STORE, 'get', async () => {
      checkText(NAME, 'key', key);
      return readItem(await load(), key, () => clock.now());
    }),

    put: (key: string, value: string, options: PutOptions = {}) => guarded(STORE, 'put', async () => {
      checkPutOptions(options);
      checkStoreWrites(NAME, [{ key, value, opts: options }]);
      const io = await load();
      return retryBusy(async () => {
        const plan = planWrite(table, { key, value, opts: options }, clock.now());
        if (!plan) return false;
        if (plan.parts.length > 0) return putSplit(io, key, plan);
        let old: Item | undefined;
        try {
          old = (await io.client.send(new io.sdk.PutItemCommand({ ...plan.head, ReturnValues: 'ALL_OLD' }))).Attributes;
        } catch (e) {
          if (errorName(e) === 'ConditionalCheckFailedException') return ownWrite(io, key, plan.head.Item!.version!.S!, e);
          throw e;
        }
        const replaced = splitOf(old);
        if (replaced) await dropParts(io, [replaced]);
        return true;
      });
    }),

    putAll: (writes) => guarded(STORE, 'putAll', async () => {
      checkWrites(writes);
      checkStoreWrites(NAME, writes);
      if (writes.length === 0) return true;
      const io = await load();
      return retryBusy(async () => {
        const now = clock.now();
        const plans = writes.map((w): TransactWriteItem[] | undefined => {
          if (!isDelete(w)) {
            const plan = planWrite(table, w, now);
            return plan && transactItems(plan);
          }
          return [{ Delete: { TableName: table, Key: headKey(w.key) } }];
        });
        if (plans.some((p) => p === undefined)) return false;
        return transact(io, plans.flat() as TransactWriteItem[]);
      });
    }),

    list: (prefix, options = {}) => guarded(STORE, 'list', async () => {
      checkText(NAME, 'prefix', prefix);
      if (options.after !== undefined) checkText(NAME, 'cursor', options.after);
      const limit = listLimit(options);
      const after = options.after;
      // ExclusiveStartKey must lie inside the key condition's range, so an `after` outside the
      // prefix is resolved here: before the prefix means "from the start", beyond it "nothing".
      let start: Item | undefined;
      if (after) {
        if (after.startsWith(prefix)) start = headKey(after);
        else if (Buffer.compare(Buffer.from(after), Buffer.from(prefix)) > 0) return { items: [] };
      }
      const io = await load();
      const heads: Head[] = [];
      const now = clock.now();
      // Limit applies before the expiry filter: keep reading until one live item beyond the page.
      // Only heads live in this partition (parts have their own), so every one read is a key.
      do {
        const out = await io.client.send(new io.sdk.QueryCommand({
          TableName: table,
          ConsistentRead: true,
          KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(#sk, :prefix)' : 'pk = :pk',
          FilterExpression: LIVE,
          ExpressionAttributeNames: prefix ? { '#sk': 'sk', '#e': 'expiresAt' } : { '#e': 'expiresAt' },
          ExpressionAttributeValues: { ':pk': { S: PARTITION }, ':now': { N: String(now) }, ...(prefix ? { ':prefix': { S: prefix } } : {}) },
          Limit: limit + 1 - heads.length,
          ExclusiveStartKey: start,
        }));
        heads.push(...(out.Items ?? []).map(toHead));
        start = out.LastEvaluatedKey;
      } while (start && heads.length <= limit);
      // The head beyond the page only says that more follow: its value is not read.
      const items = await withValues(io, heads.slice(0, limit), () => clock.now());
      return heads.length > limit ? { items, next: heads[limit - 1]!.key } : { items };
    }),

    delete: (key) => guarded(STORE, 'delete', async () => {
      checkText(NAME, 'key', key);
      const io = await load();
      // Unconditional, so a retry after "a transaction holds this item" is always right.
      const out = await retryBusy(() => io.client.send(new io.sdk.DeleteItemCommand({ TableName: table, Key: headKey(key), ReturnValues: 'ALL_OLD' })));
      const replaced = splitOf(out.Attributes);
      if (replaced) await dropParts(io, [replaced]);
    }),

    check: () => guarded(STORE, 'check', async () => {
      // A GetItem, not DescribeTable: the data-plane permission the store needs anyway, and no
      // control-plane rate limit. Any key will do; the answer is ignored.
      const io = await load();
      await io.client.send(new io.sdk.GetItemCommand({ TableName: table, Key: headKey('\u0000check'), ProjectionExpression: 'pk' }));
    }),
  };
}
