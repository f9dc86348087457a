import { randomUUID } from 'node:crypto';
import type { DocumentData, DocumentReference, Firestore, Transaction } from '@google-cloud/firestore';
import { AppError } from '../../shared/errors';
import type { Clock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, isDelete, listLimit, type ListedItem, type PutOptions, type PutWrite, type StateStore, type StoredItem, type Write } from '../../shared/ports/store';
import { once } from '../common/once';

/**
 * StateStore on Firestore (native mode): one document per key in one collection.
 *
 * Document ids may not contain `/`, be `.` or `..`, or match `__.*__`, and are at most 1,500
 * bytes (https://firebase.google.com/docs/firestore/quotas#collections_documents_and_fields).
 * So the id is the key's UTF-8 bytes in lower-case hex: always valid, and since hex preserves
 * byte order, ordering by document id lists keys in UTF-8 byte order (code-unit order except
 * that U+E000..U+FFFF sort before astral characters). Keys are therefore at most 750 bytes.
 * The document also holds the key itself, `value`, `version` (a random UUID per write) and
 * `expiresAt` (epoch ms).
 *
 * Expiry is judged by the injected clock only (`expiresAt <= now` is gone). `purgeAt` (a
 * Timestamp an hour after expiry) is for a Firestore TTL policy on that field, which deletes
 * lazily: garbage collection only.
 *
 * Conditional puts and putAll run in one transaction (reads of every key put, then the writes;
 * a delete is a blind write, and deleting a missing document is no error), so Firestore
 * serialises them against every other writer of those documents; putAll is all or nothing.
 * Contention makes the SDK retry the transaction function, which re-checks.
 */
export interface FirestoreStoreOptions {
  collection: string;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  firestore?: Firestore;
  projectId?: string;
  databaseId?: string;
  clock: Clock;
}


export const MAX_KEY_BYTES = 750;
/**
 * Firestore's document size limit, 1 MiB: the document name, each field name and value (a
 * string counts its UTF-8 bytes plus one) and 32 bytes
 * (https://firebase.google.com/docs/firestore/storage-size). Our documents add the key twice
 * (field and hex id) and under 300 bytes of names, version and expiry to the value.
 */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
const DOCUMENT_OVERHEAD_BYTES = 300;

/** A value no document can hold: a clear, non-retryable 413 rather than the SDK's INVALID_ARGUMENT, retried for nothing. */
function checkSize(write: Write): void {
  if (isDelete(write)) return;
  const bytes = 3 * Buffer.byteLength(write.key, 'utf8') + Buffer.byteLength(write.value, 'utf8') + DOCUMENT_OVERHEAD_BYTES;
  if (bytes > MAX_DOCUMENT_BYTES) {
    throw new AppError('store_value_too_large', `A value of about ${Math.round(bytes / 1024)} KB is over Firestore's 1 MiB document limit (key ${write.key.slice(0, 80)})`, {
      status: 413, retryable: false,
    });
  }
}
const PURGE_MARGIN_MS = 3_600_000;
/** Ten writers racing for one document need more than the SDK's default of five attempts. */
const TRANSACTION_ATTEMPTS = 10;

export function encodeKey(key: string): string {
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length === 0) throw new RangeError('firestoreStore: keys must not be empty');
  if (bytes.length > MAX_KEY_BYTES) {
    throw new RangeError(`firestoreStore: key is ${bytes.length} bytes of UTF-8; at most ${MAX_KEY_BYTES} fit a document id (hex, 1500 bytes)`);
  }
  return bytes.toString('hex');
}

const isLive = (data: DocumentData | undefined, now: number): data is DocumentData =>
  data !== undefined && (typeof data.expiresAt !== 'number' || data.expiresAt > now);

function toItem(data: DocumentData): ListedItem {
  const item: ListedItem = { key: data.key, value: data.value, version: data.version };
  if (typeof data.expiresAt === 'number') item.expiresAt = data.expiresAt;
  return item;
}

function document(write: PutWrite, now: number): DocumentData {
  const data: DocumentData = { key: write.key, value: write.value, version: write.opts?.newVersion ?? randomUUID() };
  if (write.opts?.ttlSeconds !== undefined) {
    data.expiresAt = now + write.opts.ttlSeconds * 1000;
    data.purgeAt = new Date(data.expiresAt + PURGE_MARGIN_MS);
  }
  return data;
}

function holds(current: DocumentData | undefined, opts: PutOptions = {}, now: number): boolean {
  const live = isLive(current, now);
  if (opts.ifAbsent) return opts.ifVersion === undefined && !live;
  return opts.ifVersion === undefined || (live && current.version === opts.ifVersion);
}

export function firestoreStore(opts: FirestoreStoreOptions): StateStore {
  if (!opts.collection) throw new Error('firestoreStore needs a collection (config store.collection)');
  const { clock } = opts;
  const load = once(() => import('@google-cloud/firestore').then((sdk) => ({
    sdk,
    db: opts.firestore ?? new sdk.Firestore({ projectId: opts.projectId, databaseId: opts.databaseId }),
  })));
  const refs = async (keys: readonly string[]) => {
    const ids = keys.map(encodeKey);
    const { sdk, db } = await load();
    const collection = db.collection(opts.collection);
    return { sdk, db, collection, refs: ids.map((id) => collection.doc(id)) };
  };
  /** Reads every document first (transactions demand reads before writes), then writes all or none. */
  const conditional = async (writes: readonly Write[]) => {
    const { db, refs: docs } = await refs(writes.map((w) => w.key));
    const attempt = async (tx: Transaction) => {
      const snaps = await Promise.all(docs.map((ref, i) => (isDelete(writes[i]!) ? undefined : tx.get(ref))));
      const now = clock.now();
      if (!writes.every((w, i) => isDelete(w) || holds(snaps[i]!.data(), w.opts, now))) return false;
      writes.forEach((w, i) => {
        const ref = docs[i] as DocumentReference;
        if (isDelete(w)) tx.delete(ref);
        else tx.set(ref, document(w, now));
      });
      return true;
    };
    return db.runTransaction(attempt, { maxAttempts: TRANSACTION_ATTEMPTS });
  };

  return {
    async get(key) {
      const { refs: [ref] } = await refs([key]);
      const data = (await ref!.get()).data();
      if (!isLive(data, clock.now())) return undefined;
      const { key: _key, ...item } = toItem(data);
      return item as StoredItem;
    },

    async put(key: string, value: string, options: PutOptions = {}) {
      checkPutOptions(options);
      const write = { key, value, opts: options };
      checkSize(write);
      if (options.ifAbsent || options.ifVersion !== undefined) return conditional([write]);
      const { refs: [ref] } = await refs([key]);
      await ref!.set(document(write, clock.now()));
      return true;
    },

    async putAll(writes) {
      checkWrites(writes);
      if (writes.length === 0) return true;
      writes.forEach(checkSize);
      return conditional(writes);
    },

    async list(prefix, options = {}) {
      const limit = listLimit(options);
      const { sdk, db } = await load();
      const id = sdk.FieldPath.documentId();
      const low = prefix ? Buffer.from(prefix, 'utf8').toString('hex') : undefined;
      let query = db.collection(opts.collection).orderBy(id);
      // Every id under the prefix starts with its hex; `g` sorts after every hex digit.
      if (low !== undefined) query = query.where(id, '>=', low).where(id, '<', `${low}g`);
      let cursor = options.after ? Buffer.from(options.after, 'utf8').toString('hex') : undefined;
      const items: ListedItem[] = [];
      const now = clock.now();
      // Expired documents are filtered here (an inequality on expiresAt would need a composite
      // index): keep reading until one live item beyond the page, or the range ends.
      for (;;) {
        const want = limit + 1 - items.length;
        const page = await (cursor === undefined ? query : query.startAfter(cursor)).limit(want).get();
        for (const snap of page.docs) {
          const data = snap.data();
          if (isLive(data, now)) items.push(toItem(data));
        }
        if (page.docs.length < want || items.length > limit) break;
        cursor = page.docs[page.docs.length - 1]!.id;
      }
      return items.length > limit ? { items: items.slice(0, limit), next: items[limit - 1]!.key } : { items };
    },

    async delete(key) {
      const { refs: [ref] } = await refs([key]);
      await ref!.delete();
    },

    async check() {
      const { db } = await load();
      await db.collection(opts.collection).limit(1).get();
    },
  };
}
