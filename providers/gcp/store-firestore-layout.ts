import { randomUUID } from 'node:crypto';
import type { DocumentData } from '@google-cloud/firestore';
import { errors } from '../../shared/errors';
import { checkKey, MAX_KEY_BYTES, type PutWrite } from '../../shared/ports/store';
import { expiryOf } from '../../shared/store/text-and-ttl';
import { joinUtf8, MAX_SPLIT_VALUE_BYTES, sliceUtf8, type SplitHead, type Utf8PartsRef, valueTooLarge } from '../../shared/store/split-values';

/**
 * How the Firestore store lays a value out in documents (pure: no I/O). Limits are Firestore's
 * (https://cloud.google.com/firestore/quotas, https://firebase.google.com/docs/firestore/quotas).
 *
 * A value whose document fits 1 MiB is stored as it always was: the head document (id = hex of
 * the key) with a string `value`. A larger value is split:
 *  - the head keeps `key`, `version`, `expiresAt` and `purgeAt`, so conditions, expiry and the TTL
 *    policy work on it unchanged, but holds no value bytes: only `parts` (how many part
 *    documents), `partsId` (a fresh random id per write) and `bytes` (the value's UTF-8 length);
 *  - part i is the document `<partsId>-<i>` in the sibling collection `<collection>-parts`, with a
 *    Bytes field `chunk` (at most SLICE_BYTES of the value's UTF-8), `of` (the key, so an operator
 *    can tell whose part it is) and the head's `purgeAt`, so a TTL policy on that collection group
 *    removes it with its head.
 * Parts live in their own collection, so `list` (a query of the head collection) never returns
 * one and its paging is unchanged. A fresh `partsId` per write means a reader never mixes slices
 * of two writes, and as the parts are written (and the replaced ones deleted) in the head's
 * transaction, a write that loses its condition leaves nothing.
 */
export const MiB = 1024 * 1024;
/**
 * The port's key limit (shared/ports/store.ts). This layout alone would take 750 bytes: hex
 * doubles a key's bytes, and a document id holds at most 1,500.
 */
export { MAX_KEY_BYTES };
/** Maximum size for a document, counted as https://firebase.google.com/docs/firestore/storage-size describes. */
export const MAX_DOCUMENT_BYTES = MiB;
/** A document within this much of the limit is split rather than staked on the exact count. */
const HEADROOM_BYTES = 1024;
/**
 * A part's slice of the value. A part document also holds its name (at most 6 KiB, the limit for
 * a document name), its key (up to MAX_KEY_BYTES) and three short field names: 8 KiB covers them.
 */
export const SLICE_BYTES = MiB - 8 * 1024;
/** The largest value the store takes (UTF-8 bytes): as the DynamoDB store, so limits match across clouds. */
export const MAX_VALUE_BYTES = MAX_SPLIT_VALUE_BYTES;
/** The most part documents a value can have, for the worst-case count of a commit's deletes. */
export const MAX_PARTS = Math.ceil(MAX_VALUE_BYTES / SLICE_BYTES);
/**
 * One commit (a transaction) may carry at most 10 MiB ("Maximum API request size"). The request
 * also carries each write's full resource name and protobuf framing, which the storage-size
 * count leaves out: 1 MiB is kept for them.
 */
export const MAX_COMMIT_BYTES = 9 * MiB;
/** The historical limit of writes per commit, kept because no write of ours comes near it. */
export const MAX_COMMIT_WRITES = 500;
/** A TTL policy deletes lazily, up to a day late: an hour's margin keeps it clear of clock skew. */
const PURGE_MARGIN_MS = 3_600_000;

/** The fields a transaction reads from a head: enough for the condition and for the parts it replaces. */
export const HEAD_MASK = ['version', 'expiresAt', 'parts', 'partsId'];

export const partsCollectionOf = (collection: string) => `${collection}-parts`;
export const partId = (partsId: string, index: number) => `${partsId}-${index}`;

/** The most bytes of UTF-8 in one collection or document id. */
const MAX_ID_BYTES = 1500;
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Refuses, when the store is built (invalid_config), a collection path that would fail every
 * call: an empty id (a leading, trailing or doubled `/`), an id `.` or `..` or matching `__.*__`
 * (reserved), one over 1,500 bytes (the parts collection's with `-parts` added), an even number
 * of ids (a document's path), or a lone surrogate (no UTF-8 form: sent as U+FFFD, another name).
 * The SDK or the service refuses these only at each call, as an internal error retried for ever.
 * https://firebase.google.com/docs/firestore/quotas#collections_documents_and_fields
 */
export function checkCollectionPath(collection: string): void {
  const bad = (why: string) => errors.config(`store.collection ${JSON.stringify(collection.slice(0, 80))} is not a Firestore collection path: ${why}`, 'store.collection');
  const ids = collection.split('/');
  if (ids.length % 2 === 0) throw bad('an even number of ids names a document (collection/document/collection/...)');
  if (LONE_SURROGATE.test(collection)) throw bad('not well-formed Unicode');
  for (const id of ids) {
    if (id === '') throw bad('an empty id (empty, or a leading, trailing or doubled /)');
    if (id === '.' || id === '..') throw bad('an id may not be . or ..');
    if (/^__.*__$/.test(id)) throw bad('ids matching __.*__ are reserved');
  }
  if ([...ids.slice(0, -1), partsCollectionOf(ids[ids.length - 1]!)].some((id) => Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES)) {
    throw bad(`an id is over ${MAX_ID_BYTES} bytes of UTF-8 (the last one with -parts added)`);
  }
}

export function encodeKey(key: string): string {
  checkKey('firestoreStore', key);
  return Buffer.from(key, 'utf8').toString('hex');
}

const kb = (bytes: number) => Math.round(bytes / 1024);
const stringBytes = (s: string) => Buffer.byteLength(s, 'utf8') + 1;

/** A document's name size: each collection and document id of its path, plus 16. */
export const nameBytes = (collection: string, id: string) =>
  collection.split('/').reduce((sum, segment) => sum + stringBytes(segment), 0) + stringBytes(id) + 16;

/** A document's size as Firestore counts it: name, each field name and value, plus 32. */
export function documentBytes(collection: string, id: string, data: DocumentData): number {
  let bytes = nameBytes(collection, id) + 32;
  for (const [field, value] of Object.entries(data)) {
    bytes += stringBytes(field);
    if (typeof value === 'string') bytes += stringBytes(value);
    else if (value instanceof Uint8Array) bytes += value.length;
    else bytes += 8; // numbers and timestamps, the only other types written
  }
  return bytes;
}

export type PartsRef = Utf8PartsRef;

/** A head document read back: the value when it is inline, else where its parts are. */
export interface Head extends SplitHead {
  key: string;
  split?: PartsRef;
}

/** The parts a head points at, if it is the head of a split value (also from a head read with HEAD_MASK). */
export function splitOf(data: DocumentData | undefined): PartsRef | undefined {
  if (typeof data?.partsId !== 'string' || typeof data.parts !== 'number') return undefined;
  return { partsId: data.partsId, parts: data.parts, bytes: typeof data.bytes === 'number' ? data.bytes : -1 };
}

export function toHead(data: DocumentData): Head {
  const head: Head = { key: data.key as string, version: data.version as string };
  if (typeof data.expiresAt === 'number') head.expiresAt = data.expiresAt;
  const split = splitOf(data);
  if (split) head.split = split;
  else head.value = data.value as string;
  return head;
}

export const joinParts = (split: PartsRef, chunks: readonly (Uint8Array | undefined)[]) => joinUtf8('firestoreStore', split, chunks);

/** A put's value laid out once, before its transaction: inline, or the slices of its parts. */
export interface Layout {
  write: PutWrite;
  slices?: Buffer[];
  /** Its documents' sizes as Firestore counts them, for the commit limit. */
  bytes: number;
}

/** The documents of one attempt of a put: the head, and the parts of a split value. */
export interface Documents {
  head: DocumentData;
  parts: { id: string; data: DocumentData }[];
}

function stamp(layout: Layout, now: number, partsId: string): Documents {
  const { write } = layout;
  const head: DocumentData = { key: write.key };
  if (!layout.slices) head.value = write.value;
  head.version = write.opts?.newVersion ?? randomUUID();
  const expiry: DocumentData = {};
  if (write.opts?.ttlSeconds !== undefined) {
    expiry.expiresAt = expiryOf(now, write.opts.ttlSeconds);
    expiry.purgeAt = new Date(expiry.expiresAt + PURGE_MARGIN_MS);
  }
  Object.assign(head, expiry);
  if (!layout.slices) return { head, parts: [] };
  Object.assign(head, { parts: layout.slices.length, partsId, bytes: layout.slices.reduce((n, s) => n + s.length, 0) });
  const parts = layout.slices.map((chunk, i) => {
    const data: DocumentData = { chunk, of: write.key };
    if (expiry.purgeAt) data.purgeAt = expiry.purgeAt;
    return { id: partId(partsId, i), data };
  });
  return { head, parts };
}

/** Lays a put out and checks it against the limits; throws store_value_too_large. */
export function layOut(collection: string, write: PutWrite): Layout {
  const id = encodeKey(write.key);
  const valueBytes = Buffer.byteLength(write.value, 'utf8');
  if (valueBytes > MAX_VALUE_BYTES) {
    throw valueTooLarge(`A value of about ${kb(valueBytes)} KB is over the Firestore store's ${kb(MAX_VALUE_BYTES)} KB limit (key ${write.key.slice(0, 80)})`);
  }
  // Sized with a TTL's two fields and a 64-character version: the largest this write can become.
  const sizing = { ...write, opts: { ...write.opts, ttlSeconds: 1, newVersion: 'v'.repeat(64) } };
  const inline = stamp({ write: sizing, bytes: 0 }, 0, '').head;
  const inlineBytes = documentBytes(collection, id, inline);
  if (inlineBytes <= MAX_DOCUMENT_BYTES - HEADROOM_BYTES) return { write, bytes: inlineBytes };
  const slices = sliceUtf8(write.value, SLICE_BYTES);
  const split = stamp({ write: sizing, slices, bytes: 0 }, 0, randomUUID());
  const parts = partsCollectionOf(collection);
  let bytes = documentBytes(collection, id, split.head);
  for (const part of split.parts) {
    const partBytes = documentBytes(parts, part.id, part.data);
    if (partBytes > MAX_DOCUMENT_BYTES) throw valueTooLarge(`A part of key ${write.key.slice(0, 80)} would be ${partBytes} bytes: the collection name is too long`);
    bytes += partBytes;
  }
  return { write, slices, bytes };
}

/** The documents of one transaction attempt: a fresh parts id each time, expiry from that attempt's clock. */
export const documents = (layout: Layout, now: number): Documents => stamp(layout, now, randomUUID());

/** Refuses a commit Firestore would reject for its size, before anything is sent. */
export function checkCommit(layouts: readonly Layout[], writes: number): void {
  if (writes > MAX_COMMIT_WRITES) {
    throw valueTooLarge(`These writes need up to ${writes} documents in one Firestore transaction; at most ${MAX_COMMIT_WRITES} fit (write large values separately)`);
  }
  const bytes = layouts.reduce((sum, l) => sum + l.bytes, 0);
  if (bytes > MAX_COMMIT_BYTES) {
    throw valueTooLarge(`These writes total about ${kb(bytes)} KB; one Firestore transaction holds at most ${kb(MAX_COMMIT_BYTES)} KB (write large values separately)`);
  }
}
