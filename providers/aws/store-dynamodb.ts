import { randomUUID } from 'node:crypto';
import type { AttributeValue, DynamoDBClient, Put, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { AppError } from '../../shared/errors';
import type { Clock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, isDelete, listLimit, type ListedItem, type PutOptions, type PutWrite, type StateStore, type StoredItem } from '../../shared/ports/store';
import { once } from '../common/once';

/**
 * StateStore on DynamoDB. One table, partition key `pk` (S), sort key `sk` (S); every item lives
 * in the one partition `pk = "secorch"` with `sk = key`, because only a sort key is ordered:
 * `list` is a Query with `begins_with(sk, :prefix)` in ascending sk order (UTF-8 byte order,
 * which equals code-unit order except that U+E000..U+FFFF sort before astral characters) and
 * paging by ExclusiveStartKey. The price is one partition's throughput, about 3,000 RCU and
 * 1,000 WCU per second (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html);
 * adaptive capacity cannot split a single partition-key value. To scale later, shard by prefix:
 * `pk = "secorch#" + <first path segment>` keeps each prefix ordered within its own partition.
 *
 * Expiry is judged by the injected clock only: `expiresAt` (epoch ms) is stored, reads filter on
 * it and conditions test it (`expiresAt <= :now` is gone). `purgeAt` (epoch seconds, an hour
 * after expiry for clock skew) is for DynamoDB's native TTL, which deletes lazily: garbage
 * collection only, never a visibility decision.
 *
 * Conditional puts are single PutItems with a ConditionExpression, so DynamoDB checks and writes
 * atomically; ConditionalCheckFailedException answers false. putAll is one TransactWriteItems
 * (at most 25 distinct keys, checkWrites) of Puts and unconditional Deletes (a Delete of an
 * absent item succeeds); a cancellation with a ConditionalCheckFailed reason answers false;
 * transaction conflicts with a concurrent writer are retried, then rethrown.
 */
export interface DynamoStoreOptions {
  table: string;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  client?: DynamoDBClient;
  region?: string;
  endpoint?: string;
  clock: Clock;
}

type Item = Record<string, AttributeValue>;

export const PARTITION = 'secorch';
/** DynamoDB's limit for a sort key value (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). */
export const MAX_KEY_BYTES = 1024;
/**
 * DynamoDB's item size limit, 400 KB, counting attribute names and values (same page). Our items
 * carry the key, the value and at most about 150 bytes of names, version and expiry besides.
 */
export const MAX_ITEM_BYTES = 400 * 1024;
const ITEM_OVERHEAD_BYTES = 160;
const PURGE_MARGIN_S = 3600;
const CONFLICT_ATTEMPTS = 6;
// Attribute names go through placeholders (#sk, #v, #e): several are reserved words.
const LIVE = '(attribute_not_exists(#e) OR #e > :now)';
const IF_ABSENT = 'attribute_not_exists(#sk) OR #e <= :now';
const IF_VERSION = `#v = :v AND ${LIVE}`;

function checkKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0) throw new RangeError('dynamoStore: keys must not be empty');
  if (bytes > MAX_KEY_BYTES) throw new RangeError(`dynamoStore: key is ${bytes} bytes of UTF-8; DynamoDB allows at most ${MAX_KEY_BYTES}`);
}

/**
 * A value the table cannot hold: refused with a clear, non-retryable error (413) rather than
 * DynamoDB's ValidationException, which the queue adapters would retry five times for nothing.
 */
function checkSize(write: PutWrite): void {
  const bytes = Buffer.byteLength(write.key, 'utf8') + Buffer.byteLength(write.value, 'utf8') + ITEM_OVERHEAD_BYTES;
  if (bytes > MAX_ITEM_BYTES) {
    throw new AppError('store_value_too_large', `A value of about ${Math.round(bytes / 1024)} KB is over DynamoDB's 400 KB item limit (key ${write.key.slice(0, 80)})`, {
      status: 413, retryable: false,
    });
  }
}

const errorName = (e: unknown) => (e as { name?: unknown } | null)?.name;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function toItem(raw: Item): ListedItem {
  const item: ListedItem = { key: raw.sk!.S!, value: raw.value!.S!, version: raw.version!.S! };
  if (raw.expiresAt?.N !== undefined) item.expiresAt = Number(raw.expiresAt.N);
  return item;
}

/** The Put of one write, with its condition; undefined when the options contradict each other. */
function putRequest(table: string, write: PutWrite, now: number): Put | undefined {
  checkKey(write.key);
  checkSize(write);
  const opts: PutOptions = write.opts ?? {};
  if (opts.ifAbsent && opts.ifVersion !== undefined) return undefined;
  const item: Item = { pk: { S: PARTITION }, sk: { S: write.key }, value: { S: write.value }, version: { S: opts.newVersion ?? randomUUID() } };
  if (opts.ttlSeconds !== undefined) {
    const expiresAt = now + opts.ttlSeconds * 1000;
    item.expiresAt = { N: String(expiresAt) };
    item.purgeAt = { N: String(Math.ceil(expiresAt / 1000) + PURGE_MARGIN_S) };
  }
  const put: Put = { TableName: table, Item: item };
  if (opts.ifAbsent) {
    Object.assign(put, { ConditionExpression: IF_ABSENT, ExpressionAttributeNames: { '#sk': 'sk', '#e': 'expiresAt' }, ExpressionAttributeValues: { ':now': { N: String(now) } } });
  } else if (opts.ifVersion !== undefined) {
    put.ConditionExpression = IF_VERSION;
    put.ExpressionAttributeNames = { '#v': 'version', '#e': 'expiresAt' };
    put.ExpressionAttributeValues = { ':v': { S: opts.ifVersion }, ':now': { N: String(now) } };
  }
  return put;
}

/** Retries DynamoDB's "another transaction holds this item" answers; the condition is then re-checked. */
async function retryConflicts<T>(attempt: () => Promise<T>, conflicted: (e: unknown) => boolean): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (n >= CONFLICT_ATTEMPTS || !conflicted(e)) throw e;
      await sleep(Math.random() * 10 * 2 ** n);
    }
  }
}

export function dynamoStore(opts: DynamoStoreOptions): StateStore {
  if (!opts.table) throw new Error('dynamoStore needs a table name (config store.table)');
  const { table, clock } = opts;
  const load = once(() => import('@aws-sdk/client-dynamodb').then((sdk) => ({
    sdk,
    client: opts.client ?? new sdk.DynamoDBClient({ region: opts.region, endpoint: opts.endpoint }),
  })));
  const keyOf = (key: string) => ({ pk: { S: PARTITION }, sk: { S: key } });

  return {
    async get(key) {
      checkKey(key);
      const { sdk, client } = await load();
      const out = await client.send(new sdk.GetItemCommand({ TableName: table, Key: keyOf(key), ConsistentRead: true }));
      if (!out.Item) return undefined;
      const { key: _key, ...item } = toItem(out.Item);
      return item.expiresAt !== undefined && item.expiresAt <= clock.now() ? undefined : (item as StoredItem);
    },

    async put(key: string, value: string, options: PutOptions = {}) {
      checkPutOptions(options);
      const { sdk, client } = await load();
      return retryConflicts(async () => {
        const put = putRequest(table, { key, value, opts: options }, clock.now());
        if (!put) return false;
        try {
          await client.send(new sdk.PutItemCommand(put));
          return true;
        } catch (e) {
          if (errorName(e) === 'ConditionalCheckFailedException') return false;
          throw e;
        }
      }, (e) => errorName(e) === 'TransactionConflictException');
    },

    async putAll(writes) {
      checkWrites(writes);
      if (writes.length === 0) return true;
      const { sdk, client } = await load();
      const cancelled = (e: unknown) => (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      return retryConflicts(async () => {
        const now = clock.now();
        const items: (TransactWriteItem | undefined)[] = writes.map((w) => {
          if (!isDelete(w)) {
            const Put = putRequest(table, w, now);
            return Put && { Put };
          }
          checkKey(w.key);
          return { Delete: { TableName: table, Key: keyOf(w.key) } };
        });
        if (items.some((t) => t === undefined)) return false;
        try {
          await client.send(new sdk.TransactWriteItemsCommand({ TransactItems: items as TransactWriteItem[] }));
          return true;
        } catch (e) {
          if (errorName(e) === 'TransactionCanceledException' && cancelled(e).some((r) => r.Code === 'ConditionalCheckFailed')) return false;
          throw e;
        }
      }, (e) => errorName(e) === 'TransactionConflictException'
        || (errorName(e) === 'TransactionCanceledException' && cancelled(e).some((r) => r.Code === 'TransactionConflict')));
    },

    async list(prefix, options = {}) {
      const limit = listLimit(options);
      const after = options.after;
      // ExclusiveStartKey must lie inside the key condition's range, so an `after` outside the
      // prefix is resolved here: before the prefix means "from the start", beyond it "nothing".
      let start: Item | undefined;
      if (after) {
        if (after.startsWith(prefix)) start = keyOf(after);
        else if (Buffer.compare(Buffer.from(after), Buffer.from(prefix)) > 0) return { items: [] };
      }
      const { sdk, client } = await load();
      const items: ListedItem[] = [];
      const now = clock.now();
      // Limit applies before the expiry filter: keep reading until one live item beyond the page.
      do {
        const out = await client.send(new sdk.QueryCommand({
          TableName: table,
          ConsistentRead: true,
          KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(#sk, :prefix)' : 'pk = :pk',
          FilterExpression: LIVE,
          ExpressionAttributeNames: prefix ? { '#sk': 'sk', '#e': 'expiresAt' } : { '#e': 'expiresAt' },
          ExpressionAttributeValues: { ':pk': { S: PARTITION }, ':now': { N: String(now) }, ...(prefix ? { ':prefix': { S: prefix } } : {}) },
          Limit: limit + 1 - items.length,
          ExclusiveStartKey: start,
        }));
        items.push(...(out.Items ?? []).map(toItem));
        start = out.LastEvaluatedKey;
      } while (start && items.length <= limit);
      return items.length > limit ? { items: items.slice(0, limit), next: items[limit - 1]!.key } : { items };
    },

    async delete(key) {
      checkKey(key);
      const { sdk, client } = await load();
      await client.send(new sdk.DeleteItemCommand({ TableName: table, Key: keyOf(key) }));
    },

    async check() {
      // A GetItem, not DescribeTable: the data-plane permission the store needs anyway, and no
      // control-plane rate limit. Any key will do; the answer is ignored.
      const { sdk, client } = await load();
      await client.send(new sdk.GetItemCommand({ TableName: table, Key: keyOf('\u0000check'), ProjectionExpression: 'pk' }));
    },
  };
}

/**
 * Creates the store's table (pk/sk strings, on-demand) and waits until it is ACTIVE; an existing
 * table is left as it is. Native TTL on `purgeAt` is enabled separately (UpdateTimeToLive, or
 * TimeToLiveSpecification in CloudFormation): it is garbage collection only.
 */
export async function createStateTable(client: DynamoDBClient, name: string): Promise<void> {
  const sdk = await import('@aws-sdk/client-dynamodb');
  try {
    await client.send(new sdk.CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
  } catch (e) {
    if (errorName(e) !== 'ResourceInUseException') throw e;
  }
  await sdk.waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: name });
}
