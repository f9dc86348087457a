import { randomUUID } from 'node:crypto';
import type { AttributeValue, Put, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { PutOptions, PutWrite } from '../../shared/ports/store';
import { expiryOf } from '../../shared/store/text-and-ttl';
import { joinUtf8, MAX_SPLIT_VALUE_BYTES, sliceUtf8, type SplitHead, type Utf8PartsRef, valueTooLarge } from '../../shared/store/split-values';

/**
 * How the DynamoDB store lays a value out in items (pure: no I/O). Limits are DynamoDB's
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
 *
 * A value that fits one item is stored as it always was: the head item (`pk = "secorch"`,
 * `sk = key`) with a String `value`. A larger value is split:
 *  - the head keeps the key, version, expiry and condition but no value bytes, only `parts` (how
 *    many part items), `partsId` (a fresh random id per write) and `bytes` (the UTF-8 length);
 *  - part i is the item `pk = "secorch-parts#" + partsId`, `sk` = i in 4 digits ("0000", "0001"...), holding
 *    a Binary `chunk` of at most SLICE_BYTES of the value's UTF-8, `of` (the key, so an operator
 *    can tell whose part it is) and the head's `purgeAt`, so DynamoDB's TTL collects it with it.
 * Parts live outside the head partition, so no user key can collide with them, `list` (a Query
 * of the head partition) never sees them and its paging is unchanged, and the bytes of a large
 * value do not spend the single head partition's throughput. A fresh `partsId` per write means a
 * reader never mixes slices of two writes, and as parts and head go in one transaction, a write
 * that loses its condition leaves nothing.
 * The head holds no slice itself for the same throughput reason, at the price of one more item.
 */
export type Item = Record<string, AttributeValue>;

export const PARTITION = 'secorch';
/** Not "secorch#...": that form is kept for sharding the head partition by prefix later. */
export const PARTS_PARTITION = 'secorch-parts#';
/**
 * DynamoDB's item size limit, 400 KB, counting attribute names and values. A head with its value
 * inline carries the key, the value and usually about 150 bytes of names, version and expiry;
 * the item itself is measured too, since a newVersion may be 64 characters of up to 3 bytes each.
 */
export const MAX_ITEM_BYTES = 400 * 1024;
const ITEM_OVERHEAD_BYTES = 160;
/** A part's slice: a part item also holds the key (MAX_KEY_BYTES, 512 bytes) and a few short attributes. */
export const SLICE_BYTES = 384 * 1024;
/**
 * The largest value the store takes (UTF-8 bytes). A split write is one TransactWriteItems, whose
 * items may total at most 4 MB, so a value with its head and part overheads must stay below it.
 */
export const MAX_VALUE_BYTES = MAX_SPLIT_VALUE_BYTES;
/** TransactWriteItems: at most 100 actions whose items total at most 4 MB (counted as 4,000,000 to stay clear). */
export const MAX_TRANSACTION_ITEMS = 100;
export const MAX_TRANSACTION_BYTES = 4_000_000;
const PURGE_MARGIN_S = 3600;

// Attribute names go through placeholders (#sk, #v, #e): several are reserved words.
export const LIVE = '(attribute_not_exists(#e) OR #e > :now)';
const IF_ABSENT = 'attribute_not_exists(#sk) OR #e <= :now';
const IF_VERSION = `#v = :v AND ${LIVE}`;

export const headKey = (key: string): Item => ({ pk: { S: PARTITION }, sk: { S: key } });
export const partKey = (partsId: string, index: number): Item => ({ pk: { S: PARTS_PARTITION + partsId }, sk: { S: String(index).padStart(4, '0') } });

const kb = (bytes: number) => Math.round(bytes / 1024);

export type PartsRef = Utf8PartsRef;

/** A head item read back: the value when it is inline, else where its parts are. */
export interface Head extends SplitHead {
  key: string;
  split?: PartsRef;
}

export function toHead(raw: Item): Head {
  const head: Head = { key: raw.sk!.S!, version: raw.version!.S! };
  if (raw.expiresAt?.N !== undefined) head.expiresAt = Number(raw.expiresAt.N);
  const split = splitOf(raw);
  if (split) head.split = split;
  else head.value = raw.value!.S!;
  return head;
}

/** The parts a head item points at, if it is the head of a split value. */
export function splitOf(raw: Item | undefined): PartsRef | undefined {
  if (raw?.partsId?.S === undefined || raw.parts?.N === undefined) return undefined;
  return { partsId: raw.partsId.S, parts: Number(raw.parts.N), bytes: Number(raw.bytes?.N ?? -1) };
}

export const joinParts = (split: PartsRef, chunks: (Uint8Array | undefined)[]) => joinUtf8('dynamoStore', split, chunks);

/** The head's Put and, for a value too large for one item, the Puts of its parts. */
export interface WritePlan {
  head: Put;
  parts: Put[];
}

/** The items of one write, with its condition; undefined when the options contradict each other. */
export function planWrite(table: string, write: PutWrite, now: number): WritePlan | undefined {
  const opts: PutOptions = write.opts ?? {};
  const valueBytes = Buffer.byteLength(write.value, 'utf8');
  if (valueBytes > MAX_VALUE_BYTES) {
    throw valueTooLarge(`A value of about ${kb(valueBytes)} KB is over the DynamoDB store's ${kb(MAX_VALUE_BYTES)} KB limit (key ${write.key.slice(0, 80)})`);
  }
  if (opts.ifAbsent && opts.ifVersion !== undefined) return undefined;
  const expiry: Item = {};
  if (opts.ttlSeconds !== undefined) {
    const expiresAt = expiryOf(now, opts.ttlSeconds);
    expiry.expiresAt = { N: String(expiresAt) };
    expiry.purgeAt = { N: String(Math.ceil(expiresAt / 1000) + PURGE_MARGIN_S) };
  }
  const version = { S: opts.newVersion ?? randomUUID() };
  // Exactly the item this store has always written, so existing tables read the same.
  const inline: Item = { ...headKey(write.key), value: { S: write.value }, version, ...expiry };
  let item: Item;
  const parts: Put[] = [];
  if (Buffer.byteLength(write.key, 'utf8') + valueBytes + ITEM_OVERHEAD_BYTES <= MAX_ITEM_BYTES && itemBytes(inline) <= MAX_ITEM_BYTES) {
    item = inline;
  } else {
    const slices = sliceUtf8(write.value, SLICE_BYTES);
    const partsId = randomUUID();
    item = { ...headKey(write.key), version, ...expiry, parts: { N: String(slices.length) }, partsId: { S: partsId }, bytes: { N: String(valueBytes) } };
    for (const [i, chunk] of slices.entries()) {
      const part: Item = { ...partKey(partsId, i), chunk: { B: chunk }, of: { S: write.key } };
      if (expiry.purgeAt) part.purgeAt = expiry.purgeAt;
      parts.push({ TableName: table, Item: part });
    }
  }
  const head: Put = { TableName: table, Item: item };
  if (opts.ifAbsent) {
    Object.assign(head, { ConditionExpression: IF_ABSENT, ExpressionAttributeNames: { '#sk': 'sk', '#e': 'expiresAt' }, ExpressionAttributeValues: { ':now': { N: String(now) } } });
  } else if (opts.ifVersion !== undefined) {
    head.ConditionExpression = IF_VERSION;
    head.ExpressionAttributeNames = { '#v': 'version', '#e': 'expiresAt' };
    head.ExpressionAttributeValues = { ':v': { S: opts.ifVersion }, ':now': { N: String(now) } };
  }
  return { head, parts };
}

/** An item's size as DynamoDB counts it, rounded up: names and values (a number as its digits). */
function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name, 'utf8');
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S, 'utf8');
    else if (value.B !== undefined) bytes += value.B.length;
    else if (value.N !== undefined) bytes += value.N.length + 1;
  }
  return bytes;
}

/** Refuses a transaction DynamoDB would reject for its size, before anything is sent. */
export function checkTransaction(items: readonly TransactWriteItem[]): void {
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw valueTooLarge(`These writes need ${items.length} items in one DynamoDB transaction; at most ${MAX_TRANSACTION_ITEMS} fit (write large values separately)`);
  }
  const bytes = items.reduce((sum, t) => sum + itemBytes(t.Put?.Item ?? t.Delete?.Key ?? {}), 0);
  if (bytes > MAX_TRANSACTION_BYTES) {
    throw valueTooLarge(`These writes total about ${kb(bytes)} KB; one DynamoDB transaction holds at most ${kb(MAX_TRANSACTION_BYTES)} KB (write large values separately)`);
  }
}
