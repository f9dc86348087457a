import { randomUUID } from 'node:crypto';
import type { TableEntity } from '@azure/data-tables';
import { checkKey, MAX_KEY_BYTES, type PutOptions } from '../../shared/ports/store';
import { expiryOf } from '../../shared/store/text-and-ttl';
import { MAX_SPLIT_VALUE_BYTES, type SplitHead, valueDamaged, valueTooLarge } from '../../shared/store/split-values';

/**
 * How the Azure Table store lays keys and values out in entities (pure: no I/O). Limits are Table
 * Storage's (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
 *
 * Every entity lives in the one partition PARTITION (an entity group transaction cannot span two).
 *
 * Row keys. A user key becomes one character U+0100 + b per UTF-8 byte b (rowKey below): every
 * user key's RowKey is made of U+0100..U+01FF only, and `list` queries the range
 * [enc(prefix), enc(prefix) + U+0200). Parts use RowKey `U+0200 <partsId> . <index>`: their first
 * character is above every encoded user key's, so no user key produces one and no `list` range
 * reaches one (the widest, for the empty prefix, ends before the single character U+0200).
 *
 * Values. A value that fits one entity is stored exactly as it always was: in the head entity
 * (RowKey = the encoded key) split over the string properties `value`, `value1`, ... A string
 * property holds at most 64 KiB (32 Ki UTF-16 code units), an entity at most 1 MiB counted in
 * UTF-16, and Azurite counts an entity's JSON body in UTF-8: hence MAX_VALUE_CHARS and
 * MAX_VALUE_JSON_BYTES. A larger value, up to MAX_VALUE_BYTES, is split:
 *  - the head keeps version, expiresAt and the conditions' meaning, but no value bytes: only
 *    `partsId` (a fresh random id per write), `parts` (how many) and `chars` (the UTF-16 length);
 *  - each part is an entity holding a slice of the value in the same `value`, `value1`, ...
 *    properties, with `of` (the head's RowKey, so an orphan can be recognised) and the head's
 *    `expiresAt` (so the expired-row sweep removes it with its head).
 * Head and parts are written in one entity group transaction, so a write that loses its condition
 * leaves no part, and a fresh partsId per write means a reader never mixes two writes' slices.
 */
export const PARTITION = 'secorch';
/** The port's key limit (shared/ports/store.ts) is this store's: a RowKey holds 512 UTF-16 code units, one per UTF-8 byte. */
export { MAX_KEY_BYTES };
const CHUNK = 32 * 1024;
const MAX_CHUNKS = 15;
/** The largest value kept inline in its head entity (UTF-16 code units), as before values were split. */
export const MAX_VALUE_CHARS = CHUNK * MAX_CHUNKS;
/** The service counts an entity in UTF-16, Azurite its JSON body in UTF-8: both must stay under 1 MiB. */
export const MAX_VALUE_JSON_BYTES = 960 * 1024;
/**
 * A part's slice: one chunk boundary per property may move back by one code unit (never inside a
 * surrogate pair), so a slice leaves that room and always fits MAX_CHUNKS properties.
 */
export const MAX_PART_CHARS = MAX_VALUE_CHARS - MAX_CHUNKS;
/** The largest value the store takes, in UTF-8 bytes: as the DynamoDB store, and within one transaction. */
export const MAX_VALUE_BYTES = MAX_SPLIT_VALUE_BYTES;
/**
 * Entity group transactions: at most 100 entities and 4 MiB of request payload
 * (https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions).
 * The payload is counted as the JSON of each entity plus OPERATION_BYTES of multipart envelope,
 * headers and URL per operation and the RowKey's percent-encoding (3 bytes a UTF-8 byte) in the
 * URL of an update; measured with @azure/data-tables against Azurite, which refuses more than 4 MiB.
 */
export const MAX_TRANSACTION_ENTITIES = 100;
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024 - 16 * 1024;
const OPERATION_BYTES = 1024;
export const NEVER = 8_640_000_000_000_000n;
/** Parts' RowKeys start with this character and sort before PARTS_END. */
export const PART_MARK = '\u0200';
export const PARTS_END = '\u0201';

const BYTE_BASE = 0x100;
export const encode = (text: string) => String.fromCharCode(...Array.from(Buffer.from(text, 'utf8'), (b) => b + BYTE_BASE));

export function rowKey(key: string): string {
  checkKey('tableStore', key);
  return encode(key);
}
export const keyOf = (row: string) => Buffer.from(Array.from(row, (c) => c.charCodeAt(0) - BYTE_BASE)).toString('utf8');
export const partRow = (partsId: string, index: number) => `${PART_MARK}${partsId}.${String(index).padStart(3, '0')}`;
/** The partsId of a part's RowKey. */
export const partsIdOf = (row: string) => row.slice(PART_MARK.length, row.lastIndexOf('.'));

export const damaged = (message: string) => valueDamaged('tableStore', message);
const kb = (bytes: number) => Math.round(bytes / 1024);

/** Splits a slice into string properties, never between the two halves of a surrogate pair. */
function chunks(value: string): Record<string, string> {
  const props: Record<string, string> = {};
  // n === 0: an empty value still gets its `value` property.
  for (let i = 0, n = 0; n === 0 || i < value.length; n++) {
    let end = Math.min(i + CHUNK, value.length);
    const last = value.charCodeAt(end - 1);
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end--;
    props[n === 0 ? 'value' : `value${n}`] = value.slice(i, end);
    i = end;
  }
  return props;
}

/** The string in `value`, `value1`, ... of an entity; undefined when it has none (a split head). */
export function joinChunks(entity: Record<string, unknown>): string | undefined {
  if (typeof entity.value !== 'string') return undefined;
  let value = entity.value;
  for (let n = 1; typeof entity[`value${n}`] === 'string'; n++) value += entity[`value${n}`] as string;
  return value;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x22, 0x5c]);
/** UTF-8 bytes of one BMP code unit (not a surrogate) inside JSON.stringify's output. */
function jsonBytes(c: number): number {
  if (SHORT_ESCAPES.has(c)) return 2;
  if (c < 0x20) return 6; // \u00XX
  return c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
}

/** Cuts a value into slices that each fit one part entity, never inside a surrogate pair. */
export function sliceValue(value: string): string[] {
  const slices: string[] = [];
  let start = 0;
  let bytes = 2; // the quotes
  for (let i = 0; i < value.length;) {
    const c = value.charCodeAt(i);
    const pair = isHigh(c) && isLow(value.charCodeAt(i + 1));
    const units = pair ? 2 : 1;
    // A pair is 4 bytes of UTF-8; a lone surrogate is escaped as \uXXXX.
    const cost = pair ? 4 : isHigh(c) || isLow(c) ? 6 : jsonBytes(c);
    if (i + units - start > MAX_PART_CHARS || bytes + cost > MAX_VALUE_JSON_BYTES) {
      slices.push(value.slice(start, i));
      start = i;
      bytes = 2;
    }
    bytes += cost;
    i += units;
  }
  slices.push(value.slice(start));
  return slices;
}

/** A value laid out for writing: inline properties, or the slices of its parts. */
export type Layout = { inline: Record<string, string> } | { slices: string[]; chars: number };

export function layOut(key: string, value: string): Layout {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_VALUE_BYTES) {
    throw valueTooLarge(`A value of about ${kb(bytes)} KB is over the Azure Table store's ${kb(MAX_VALUE_BYTES)} KB limit (key ${key.slice(0, 80)})`);
  }
  if (value.length <= MAX_VALUE_CHARS && Buffer.byteLength(JSON.stringify(value)) <= MAX_VALUE_JSON_BYTES) return { inline: chunks(value) };
  return { slices: sliceValue(value), chars: value.length };
}

export type Entity = TableEntity<Record<string, unknown>>;

/** The head entity of one write and, for a split value, its parts. */
export interface Planned {
  head: Entity;
  parts: Entity[];
}

export function plan(key: string, layout: Layout, opts: PutOptions, now: number): Planned {
  const row = rowKey(key);
  const expiresAt = opts.ttlSeconds === undefined ? NEVER : BigInt(expiryOf(now, opts.ttlSeconds));
  const base = { partitionKey: PARTITION, rowKey: row, version: opts.newVersion ?? randomUUID(), expiresAt };
  // Exactly the entity this store has always written, so existing tables read the same.
  if ('inline' in layout) return { head: { ...base, ...layout.inline }, parts: [] };
  const partsId = randomUUID();
  const parts = layout.slices.map((slice, i) => ({ partitionKey: PARTITION, rowKey: partRow(partsId, i), of: row, expiresAt, ...chunks(slice) }));
  return { head: { ...base, partsId, parts: parts.length, chars: layout.chars }, parts };
}

/** A deleted key's entity inside a transaction: expired since the epoch, so gone for every clock. */
export const tombstone = (key: string): Entity => ({ partitionKey: PARTITION, rowKey: rowKey(key), version: randomUUID(), expiresAt: 0n, value: '' });

/** Where a split value's parts are, as its head says. */
export interface PartsRef {
  partsId: string;
  parts: number;
  chars: number;
}

/** A head entity read back; `value` is undefined for a split head or a read that selected no value. */
export interface Head extends SplitHead {
  split?: PartsRef;
}

export function toHead(entity: Record<string, unknown>): Head {
  const head: Head = { version: entity.version as string };
  const expiresAt = BigInt(entity.expiresAt as bigint);
  if (expiresAt !== NEVER) head.expiresAt = Number(expiresAt);
  const split = splitOf(entity);
  if (split) head.split = split;
  else {
    const value = joinChunks(entity);
    if (value !== undefined) head.value = value;
  }
  return head;
}

export function splitOf(entity: Record<string, unknown> | undefined): PartsRef | undefined {
  if (typeof entity?.partsId !== 'string') return undefined;
  return { partsId: entity.partsId, parts: Number(entity.parts), chars: Number(entity.chars) };
}

/** An entity's JSON as the SDK sends it (Int64 as a string), in UTF-8 bytes. */
const jsonSize = (entity: Entity) => Buffer.byteLength(JSON.stringify(entity, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));

/** The request payload an entity group transaction of these entities is counted at (see MAX_TRANSACTION_BYTES). */
export const transactionBytes = (entities: readonly Entity[]) => entities.reduce((sum, e) => sum + jsonSize(e) + OPERATION_BYTES + 3 * Buffer.byteLength(e.rowKey), 0);

/** Refuses an entity group transaction the service would reject for its size, before anything is sent. */
export function checkTransaction(entities: readonly Entity[]): void {
  if (entities.length > MAX_TRANSACTION_ENTITIES) {
    throw valueTooLarge(`These writes need ${entities.length} entities in one entity group transaction; at most ${MAX_TRANSACTION_ENTITIES} fit (write large values separately)`);
  }
  const bytes = transactionBytes(entities);
  if (bytes > MAX_TRANSACTION_BYTES) {
    throw valueTooLarge(`These writes total about ${kb(bytes)} KB as sent; an entity group transaction carries at most 4 MiB (write large values separately)`);
  }
}
