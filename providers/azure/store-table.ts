import type { TokenCredential } from '@azure/core-auth';
import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, isDelete, type PutOptions, type StateStore } from '../../shared/ports/store';
import { checkStoreWrites, checkText } from '../../shared/store/text-and-ttl';
import { once } from '../common/once';
import { layOut, PARTITION, rowKey } from './store-table-layout';
import { writeBatch } from './store-table-batch';
import { listPage } from './store-table-list';
import { dropParts, entityMissing, readEntity, readItem } from './store-table-parts';
import { sweepExpiredRows, sweepOrphanParts } from './store-table-sweep';
import { putOne, readHead } from './store-table-write';
import { type AzureTimeouts, tablesClientOptions } from './client-options';
import { noteTries } from './store-table-resend';
import { guardedStore as guarded } from './unavailable';

export {
  keyOf, MAX_KEY_BYTES, MAX_PART_CHARS, MAX_TRANSACTION_BYTES, MAX_VALUE_BYTES, MAX_VALUE_CHARS, MAX_VALUE_JSON_BYTES, PART_MARK, PARTITION, rowKey,
} from './store-table-layout';

export interface TableStoreOptions extends AzureTimeouts {
  /** Table name (alphanumeric, 3-63 characters, starting with a letter); unused with `client`. */
  table?: string;
  /** Storage account connection string; or `url` and `credential`, or pass `client`. */
  connectionString?: string;
  /** The table service URL (`https://<account>.table.core.windows.net`), with `credential` (identity-based: storage-account.ts). */
  url?: string;
  credential?: TokenCredential;
  client?: TableClient;
  /** Only for an http:// endpoint such as Azurite: the SDK refuses to send keys over http otherwise. */
  allowInsecureConnection?: boolean;
  /** Create the table on first use when missing (default true); false when provisioned by IaC. */
  createTable?: boolean;
  clock: Clock;
}

export type TableStore = StateStore & {
  /** Deletes up to `max` expired entities, then up to the rest of `max` orphaned parts; returns how many. */
  sweepExpired(max?: number): Promise<number>;
  /** Waits for any opportunistic sweep still running. */
  close(): Promise<void>;
};

const SWEEP_EVERY = 256;
const SWEEP_MAX = 100;
const STORE = 'Azure Table'; // in store_unavailable messages: an unreachable, busy or failing service (unavailable.ts)
/** In argument errors (shared/store/text-and-ttl.ts): keys, values and TTLs every store refuses alike. */
const NAME = 'tableStore';

/**
 * StateStore on Azure Table Storage (also the Azurite emulator).
 *
 * One partition (`PartitionKey = "secorch"`), because only entities of one partition can share an
 * entity group transaction (putAll) and a RowKey range within a partition comes back in order
 * (list). The price is one partition's scalability target, about 2,000 entities/s
 * (https://learn.microsoft.com/azure/storage/tables/scalability-targets). To scale out, shard
 * the PartitionKey by the key's first path segment (e.g. the tenant): list stays ordered within
 * its prefix and putAll stays atomic as long as a batch stays in one shard.
 *
 * RowKey forbids `/ \ # ?` and control characters and holds at most 1 KiB, i.e. 512 UTF-16 code
 * units (Azurite enforces 512 characters). So each UTF-8 byte b of the key becomes one character
 * U+0100 + b (Latin Extended, no forbidden character, 2 bytes in UTF-8 and UTF-16): keys are
 * limited to 512 bytes of UTF-8, every encoded key is a valid RowKey, byte order is kept, and a
 * key prefix is the RowKey range [enc(prefix), enc(prefix) + U+0200). (Hex would cost two
 * characters a byte and cap keys at 256 bytes.) Order is therefore UTF-8 byte order: code-unit
 * order except that U+E000..U+FFFF sort before astral characters, as in the SQLite and DynamoDB
 * stores. https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
 *
 * Versions are our own random UUIDs; the ETag is the concurrency mechanism: a conditional write
 * reads the entity's version, expiry and parts pointer (never its value: store-table-write.ts),
 * decides on its `version` and liveness, then writes with `createEntity` (fails
 * with 409 if something appeared) or `updateEntity(..., 'Replace', { etag })` (412 if it changed
 * meanwhile). A lost race re-reads and decides again, so 409/412 answer false only when the
 * condition really fails. putAll does the same inside one entity group transaction (at most 100
 * operations, 4 MiB: store-table-batch.ts), which the service applies all or nothing.
 * https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
 *
 * A transaction fails as a whole when it deletes an entity that does not exist, and a delete
 * decided on an earlier read of absence would not hold at the commit. So a delete in putAll is
 * an unconditional upsert of a tombstone (an entity already expired, invisible to every read and
 * condition), which is atomic with the puts and never fails; after the commit the tombstone is
 * deleted with the ETag the transaction returned, so a row rewritten since is spared. A
 * tombstone whose removal fails is left to `sweepExpired`.
 *
 * Table Storage has no TTL. Expiry is judged by the injected clock only: `expiresAt` (Int64 epoch
 * ms, NEVER when the item has no TTL, so that queries can filter on it) hides expired entities
 * from every read and condition. Expired rows stay until overwritten, deleted, or removed by
 * `sweepExpired` (run opportunistically every SWEEP_EVERY writes; a timer function may call it).
 *
 * Values up to MAX_VALUE_BYTES (3 MiB of UTF-8). One that fits one entity is stored inline in its
 * head entity, exactly as before values could be split; a larger one is split into part entities
 * in the same partition (layout, RowKeys and limits: store-table-layout.ts), written in one entity
 * group transaction with its head, so the condition (the head's ETag, or its creation) decides
 * the whole write atomically and a lost race leaves no part. Reads take the head, then its parts;
 * a part gone missing means a writer replaced the head meanwhile, so the read starts again from
 * the head. A larger value, or a putAll over a transaction's 100 entities or 4 MiB, is refused
 * with `store_value_too_large` (413, not retryable) before anything is written.
 *
 * Parts of a value that is overwritten or deleted are unreachable (a head names its parts by a
 * per-write id) and are removed right after the write when the store read the head it replaced:
 * put always reads it (an unconditional put too: one more point read of a few properties, so
 * that overwriting a large value does not leave up to 3 MiB behind until a sweep), delete reads
 * it, and putAll reads the heads of its conditional writes.
 * Trade-off: putAll does not read the heads its unconditional writes and deletes replace (that
 * would add reads to the delivery engine's small batches), and a write racing another can miss
 * the parts it replaced; such parts stay invisible and sweepExpired removes them (expired with
 * their head, or as orphans: store-table-sweep.ts), so they cost storage until the next sweep.
 */
export function tableStore(opts: TableStoreOptions): TableStore {
  const { clock } = opts;
  if (!opts.client && !((opts.connectionString || (opts.url && opts.credential)) && opts.table)) {
    throw new Error('tableStore needs a client, or a connectionString and a table name (or a url and credential with the table name)');
  }
  // A transient failure must not poison the store for the life of the process: once() retries.
  const load = once(async () => {
    const sdk = opts.client ? undefined : await import('@azure/data-tables');
    const options = { allowInsecureConnection: opts.allowInsecureConnection, ...tablesClientOptions(opts) };
    const client = opts.client ?? (opts.connectionString
      ? sdk!.TableClient.fromConnectionString(opts.connectionString, opts.table!, options)
      : new sdk!.TableClient(opts.url!, opts.table!, opts.credential!, options));
    noteTries(client); // tells a resent write from a lost race (store-table-resend.ts)
    if (opts.createTable !== false) await client.createTable(); // an existing table is fine (409 swallowed by the SDK)
    return client;
  });

  const pending = new Set<Promise<unknown>>();
  let writes = 0;
  const wrote = (n: number) => {
    const before = writes;
    writes += n;
    if (Math.floor(before / SWEEP_EVERY) === Math.floor(writes / SWEEP_EVERY)) return;
    const sweep = store.sweepExpired(SWEEP_MAX).catch(() => 0); // housekeeping: retried at the next round
    pending.add(sweep);
    void sweep.finally(() => pending.delete(sweep));
  };
  let orphansAfter: string | undefined;

  const store: TableStore = {
    get: (key) => guarded(STORE, 'get', async () => {
      checkText(NAME, 'key', key);
      return readItem(await load(), rowKey(key), () => clock.now());
    }),

    put: (key: string, value: string, options: PutOptions = {}) => guarded(STORE, 'put', async () => {
      checkPutOptions(options);
      checkStoreWrites(NAME, [{ key, value, opts: options }]);
      const written = await putOne(load, key, value, options, () => clock.now());
      if (written) wrote(1);
      return written;
    }),

    putAll: (batch) => guarded(STORE, 'putAll', async () => {
      checkWrites(batch);
      checkStoreWrites(NAME, batch);
      if (batch.length === 0) return true;
      const layouts = batch.map((w) => (isDelete(w) ? undefined : layOut(w.key, w.value)));
      const client = await load();
      const written = await writeBatch(client, batch, layouts, () => clock.now());
      if (written) wrote(batch.length);
      return written;
    }),

    list: (prefix, options = {}) => guarded(STORE, 'list', async () => {
      checkText(NAME, 'prefix', prefix);
      if (options.after !== undefined) checkText(NAME, 'cursor', options.after);
      return listPage(load, prefix, options, () => clock.now());
    }),

    delete: (key) => guarded(STORE, 'delete', async () => {
      checkText(NAME, 'key', key);
      const row = rowKey(key);
      const client = await load();
      const before = await readHead(client, row);
      if (!before) return;
      try {
        await client.deleteEntity(PARTITION, row);
      } catch (e) {
        if (!entityMissing(e)) throw e;
      }
      if (before.head.split) await dropParts(client, [before.head.split]);
    }),

    check: () => guarded(STORE, 'check', async () => {
      // A point read of a RowKey no key maps to (ASCII): needs only the data permission the store uses anyway.
      await readEntity(await load(), 'check');
    }),

    sweepExpired: (max = SWEEP_MAX) => guarded(STORE, 'sweepExpired', async () => {
      const client = await load();
      const deleted = await sweepExpiredRows(client, clock.now(), max);
      if (deleted >= max) return deleted;
      const orphans = await sweepOrphanParts(client, orphansAfter, max - deleted);
      orphansAfter = orphans.after;
      return deleted + orphans.deleted;
    }),

    async close() {
      await Promise.all(pending);
    },
  };
  return store;
}
