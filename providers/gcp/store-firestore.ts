import type { Firestore } from '@google-cloud/firestore';
import type { Clock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, listLimit, type PutOptions, type StateStore } from '../../shared/ports/store';
import { checkStoreWrites, checkText } from '../../shared/store/text-and-ttl';
import { once } from '../common/once';
import { checkCollectionPath, type Head, partsCollectionOf, toHead } from './store-firestore-layout';
import { readItem, withValues } from './store-firestore-read';
import { deleteKey, transact, type WriteEnv } from './store-firestore-write';
import { guardStore } from '../../shared/store/unavailable';
import { bounded, firestoreClientConfig, type FirestoreBounds, firestoreReason } from './store-firestore-bounds';

export { encodeKey, MAX_COMMIT_BYTES, MAX_DOCUMENT_BYTES, MAX_KEY_BYTES, MAX_VALUE_BYTES, partsCollectionOf, SLICE_BYTES } from './store-firestore-layout';

/**
 * StateStore on Firestore (native mode): one head document per key in one collection.
 *
 * Document ids may not contain `/`, be `.` or `..`, or match `__.*__`, and are at most 1,500
 * bytes (https://firebase.google.com/docs/firestore/quotas#collections_documents_and_fields).
 * So the id is the key's UTF-8 bytes in lower-case hex: always valid, and since hex preserves
 * byte order, ordering by document id lists keys in UTF-8 byte order (code-unit order except
 * that U+E000..U+FFFF sort before astral characters). That would take keys of up to 750 bytes; the
 * port's limit, MAX_KEY_BYTES (512), is kept as by every store.
 * The document also holds the key itself, `version` (a random UUID per write), `expiresAt`
 * (epoch ms) and the value.
 *
 * Values up to MAX_VALUE_BYTES (3 MiB): one whose document fits Firestore's 1 MiB stays inline in
 * its head as `value`; a larger one is split into part documents in the collection
 * `<collection>-parts` (layout and limits: store-firestore-layout.ts), which `list` never
 * queries. Reads take the head, then its parts (store-firestore-read.ts).
 *
 * Expiry is judged by the injected clock only (`expiresAt <= now` is gone). `purgeAt` (a
 * Timestamp an hour after expiry, on heads and parts alike) is for a Firestore TTL policy on that
 * field in both collection groups, which deletes lazily: garbage collection only.
 *
 * Every put, putAll and delete is one transaction (store-firestore-write.ts): it reads the heads it
 * puts or deletes (only the fields in HEAD_MASK, so an inline value of up to 1 MiB is not sent
 * back), then writes the heads, the new parts and deletes of the replaced or deleted value's parts,
 * all or none. Firestore serialises it against every other writer of those heads, so a condition
 * decides the whole write, a lost race leaves no parts, and the parts of an overwritten or deleted
 * value go in the same commit: no clean-up step that a crash could skip. The price: an
 * unconditional put or delete reads the head first (one document read and one more round trip than
 * a blind write), a putAll of deletes only included, and contends with other writers of that key. A
 * transaction that fails on contention or a transient error is run again, re-checking, until the
 * operation's deadline (on a monotonic clock); every operation ends by it, with 503
 * `store_unavailable` when Firestore is contended, throttled or out of reach
 * (store-firestore-bounds.ts). A run after a commit that may have been applied (its answer lost)
 * that finds the documents changed by another writer writes nothing again: a delete, or an
 * unconditional put whose document another writer rewrote, is done (ordered before that change); a
 * conditional one, or a put whose document is gone (deleted, or collected by the TTL policy), is
 * 503 `store_unavailable` (commit outcome unknown), since both true and false could be wrong. That
 * needs the heads of the deletes read too: a blind delete run again would delete a newer write made
 * after the lost commit.
 */
export interface FirestoreStoreOptions {
  collection: string;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  firestore?: Firestore;
  projectId?: string;
  databaseId?: string;
  clock: Clock;
  /** The operations' deadline and the waits between transaction attempts (tests). */
  bounds?: FirestoreBounds;
}

/**
 * In store_unavailable messages. Firestore that cannot be reached, does not answer by the
 * deadline, or stays contended or throttled until it is the retryable 503 every other state
 * store answers, not an internal error (firestoreReason).
 */
const STORE = 'Firestore';
/** In argument errors (shared/store/text-and-ttl.ts): keys, values and TTLs every store refuses alike. */
const NAME = 'firestoreStore';
const guarded = <T>(op: string, run: () => Promise<T>) => guardStore(STORE, op, firestoreReason, run);

export function firestoreStore(opts: FirestoreStoreOptions): StateStore {
  checkCollectionPath(opts.collection);
  const { clock } = opts;
  const now = () => clock.now();
  const within = bounded(opts.bounds);
  const load = once(() => import('@google-cloud/firestore').then((sdk) => {
    const db = opts.firestore ?? new sdk.Firestore({ projectId: opts.projectId, databaseId: opts.databaseId, clientConfig: firestoreClientConfig() });
    return { sdk, db, heads: db.collection(opts.collection), parts: db.collection(partsCollectionOf(opts.collection)) };
  }));
  const writer: WriteEnv = { collection: opts.collection, load, within, now };

  return {
    get: (key) => guarded('get', async () => {
      checkText(NAME, 'key', key);
      return within(async () => readItem(await load(), key, now));
    }),

    put: (key: string, value: string, options: PutOptions = {}) => guarded('put', async () => {
      checkPutOptions(options);
      checkStoreWrites(NAME, [{ key, value, opts: options }]);
      return transact(writer, [{ key, value, opts: options }]);
    }),

    putAll: (writes) => guarded('putAll', async () => {
      checkWrites(writes);
      checkStoreWrites(NAME, writes);
      if (writes.length === 0) return true;
      return transact(writer, writes);
    }),

    list: (prefix, options = {}) => guarded('list', async () => {
      checkText(NAME, 'prefix', prefix);
      if (options.after !== undefined) checkText(NAME, 'cursor', options.after);
      return within(async () => {
        const limit = listLimit(options);
        const io = await load();
        const id = io.sdk.FieldPath.documentId();
        const low = prefix ? Buffer.from(prefix, 'utf8').toString('hex') : undefined;
        let query = io.heads.orderBy(id);
        // Every id under the prefix starts with its hex; `g` sorts after every hex digit.
        if (low !== undefined) query = query.where(id, '>=', low).where(id, '<', `${low}g`);
        let cursor = options.after ? Buffer.from(options.after, 'utf8').toString('hex') : undefined;
        const heads: Head[] = [];
        const at = now();
        // Expired documents are filtered here (an inequality on expiresAt would need a composite
        // index): keep reading until one live head beyond the page, or the range ends.
        for (;;) {
          const want = limit + 1 - heads.length;
          const page = await (cursor === undefined ? query : query.startAfter(cursor)).limit(want).get();
          for (const snap of page.docs) {
            const head = toHead(snap.data());
            if (head.expiresAt === undefined || head.expiresAt > at) heads.push(head);
          }
          if (page.docs.length < want || heads.length > limit) break;
          cursor = page.docs[page.docs.length - 1]!.id;
        }
        // The head beyond the page only says that more follow: its value is not read.
        const items = await withValues(io, heads.slice(0, limit), now);
        return heads.length > limit ? { items, next: heads[limit - 1]!.key } : { items };
      });
    }),

    delete: (key) => guarded('delete', async () => {
      checkText(NAME, 'key', key);
      await deleteKey(writer, key);
    }),

    check: () => guarded('check', () => within(async () => {
      const { heads } = await load();
      await heads.limit(1).get();
    })),
  };
}
