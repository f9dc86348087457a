import { randomUUID } from 'node:crypto';
import type { TableClient, TableEntity, TableTransactionResponse, TransactionAction } from '@azure/data-tables';
import type { Clock } from '../../shared/ports/clock';
import { checkPutOptions, checkWrites, isDelete, listLimit, type ListedItem, type PutOptions, type PutWrite, type StateStore, type StoredItem } from '../../shared/ports/store';
import { once } from '../common/once';

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
 * reads the entity, decides on its `version` and liveness, then writes with `createEntity` (fails
 * with 409 if something appeared) or `updateEntity(..., 'Replace', { etag })` (412 if it changed
 * meanwhile). A lost race re-reads and decides again, so 409/412 answer false only when the
 * condition really fails. putAll does the same inside one entity group transaction (at most 100
 * operations, 4 MiB), which the service applies all or nothing.
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
 * A string property holds at most 64 KiB (32 Ki UTF-16 code units): longer values are split over
 * `value`, `value1`, ... (Replace writes drop stale parts), up to MAX_VALUE_CHARS code units and
 * MAX_VALUE_JSON_BYTES of JSON, within the 1 MiB entity limit; larger values are refused with a
 * RangeError. https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#property-types
 */
export interface TableStoreOptions {
  /** Table name (alphanumeric, 3-63 characters, starting with a letter); unused with `client`. */
  table?: string;
  /** Storage account connection string; or pass `client` (e.g. built with a managed identity). */
  connectionString?: string;
  client?: TableClient;
  /** Only for an http:// endpoint such as Azurite: the SDK refuses to send keys over http otherwise. */
  allowInsecureConnection?: boolean;
  /** Create the table on first use when missing (default true); false when provisioned by IaC. */
  createTable?: boolean;
  clock: Clock;
}

export type TableStore = StateStore & {
  /** Deletes up to `max` expired entities; returns how many. */
  sweepExpired(max?: number): Promise<number>;
  /** Waits for any opportunistic sweep still running. */
  close(): Promise<void>;
};

export const PARTITION = 'secorch';
export const MAX_KEY_BYTES = 512;
const CHUNK = 32 * 1024;
const MAX_CHUNKS = 15;
export const MAX_VALUE_CHARS = CHUNK * MAX_CHUNKS;
/** The service counts an entity in UTF-16, Azurite its JSON body in UTF-8: both must stay under 1 MiB. */
export const MAX_VALUE_JSON_BYTES = 960 * 1024;
/** Entity group transactions carry at most 4 MiB; this leaves room for the envelope. */
const MAX_BATCH_BYTES = 3.5 * 1024 * 1024;
const NEVER = 8_640_000_000_000_000n;
const ATTEMPTS = 6;
const SWEEP_EVERY = 256;
const SWEEP_MAX = 100;

interface Row { etag: string; item: StoredItem }
type Props = Record<string, unknown> & { version: string; expiresAt: bigint; value: string };

const status = (e: unknown) => (e as { statusCode?: unknown } | null)?.statusCode;
const lostRace = (e: unknown) => status(e) === 404 || status(e) === 409 || status(e) === 412;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const BYTE_BASE = 0x100;
const encode = (text: string) => String.fromCharCode(...Array.from(Buffer.from(text, 'utf8'), (b) => b + BYTE_BASE));

export function rowKey(key: string): string {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0) throw new RangeError('tableStore: keys must not be empty');
  if (bytes > MAX_KEY_BYTES) throw new RangeError(`tableStore: key is ${bytes} bytes of UTF-8; Table Storage allows at most ${MAX_KEY_BYTES}`);
  return encode(key);
}
export const keyOf = (row: string) => Buffer.from(Array.from(row, (c) => c.charCodeAt(0) - BYTE_BASE)).toString('utf8');

/** Splits a value into string properties, never between the two halves of a surrogate pair. */
function chunks(value: string): Record<string, string> {
  if (value.length > MAX_VALUE_CHARS) throw new RangeError(`tableStore: value is ${value.length} UTF-16 code units; at most ${MAX_VALUE_CHARS} fit in one entity`);
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > MAX_VALUE_JSON_BYTES) throw new RangeError(`tableStore: value is ${bytes} bytes as JSON; at most ${MAX_VALUE_JSON_BYTES} fit in one entity`);
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

function toEntity(write: PutWrite, now: number): TableEntity<Props> {
  const { ttlSeconds, newVersion } = write.opts ?? {};
  const expiresAt = ttlSeconds === undefined ? NEVER : BigInt(now + ttlSeconds * 1000);
  return { partitionKey: PARTITION, rowKey: rowKey(write.key), version: newVersion ?? randomUUID(), expiresAt, ...chunks(write.value) } as TableEntity<Props>;
}

/** A deleted key's entity inside a transaction: expired since the epoch, so gone for every clock. */
const tombstone = (key: string): TableEntity<Props> => ({ partitionKey: PARTITION, rowKey: rowKey(key), version: randomUUID(), expiresAt: 0n, value: '' });

function toItem(entity: Record<string, unknown>): StoredItem {
  let value = entity.value as string;
  for (let n = 1; typeof entity[`value${n}`] === 'string'; n++) value += entity[`value${n}`] as string;
  const item: StoredItem = { value, version: entity.version as string };
  const expiresAt = BigInt(entity.expiresAt as bigint);
  if (expiresAt !== NEVER) item.expiresAt = Number(expiresAt);
  return item;
}
const live = (item: StoredItem, now: number) => item.expiresAt === undefined || item.expiresAt > now;

/** Whether a write's condition holds against the current row; contradictory options never hold. */
function holds(opts: PutOptions, row: Row | undefined, now: number): boolean {
  if (opts.ifAbsent && opts.ifVersion !== undefined) return false;
  const current = row && live(row.item, now) ? row.item : undefined;
  if (opts.ifAbsent) return !current;
  return opts.ifVersion === undefined || current?.version === opts.ifVersion;
}
const conditional = (opts: PutOptions = {}) => Boolean(opts.ifAbsent) || opts.ifVersion !== undefined;

/** Runs `attempt` until it decides; a lost race (409/412/404 on a conditional write) decides again. */
async function decide(key: string, attempt: (n: number) => Promise<boolean | 'lost'>): Promise<boolean> {
  for (let n = 0; n < ATTEMPTS; n++) {
    const result = await attempt(n);
    if (result !== 'lost') return result;
    if (n > 0) await sleep(Math.random() * 5 * 2 ** n); // the first retry only re-reads: no wait
  }
  throw new Error(`tableStore: gave up after ${ATTEMPTS} conflicting writes (first key ${JSON.stringify(key.slice(0, 80))})`);
}

export function tableStore(opts: TableStoreOptions): TableStore {
  const { clock } = opts;
  if (!opts.client && !(opts.connectionString && opts.table)) throw new Error('tableStore needs a client, or a connectionString and a table name');
  // A transient failure must not poison the store for the life of the process: once() retries.
  const load = once(async () => {
    const client = opts.client ?? (await import('@azure/data-tables')).TableClient.fromConnectionString(opts.connectionString!, opts.table!, {
      allowInsecureConnection: opts.allowInsecureConnection,
    });
    if (opts.createTable !== false) await client.createTable(); // an existing table is fine (409 swallowed by the SDK)
    return client;
  });

  const read = async (client: TableClient, row: string): Promise<Row | undefined> => {
    try {
      const entity = await client.getEntity(PARTITION, row);
      return { etag: entity.etag, item: toItem(entity) };
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw e;
    }
  };

  /** Deletes a tombstone putAll wrote, only if it is still that tombstone (its ETag). */
  const removeTombstone = async (client: TableClient, row: string, etag: string | undefined) => {
    if (!etag) return; // no ETag in the sub-response: left to sweepExpired
    try {
      await client.deleteEntity(PARTITION, row, { etag: etag.trim() });
    } catch {
      // Rewritten (412) or gone (404) since: nothing to do. Other failures: sweepExpired removes it.
    }
  };

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

  const store: TableStore = {
    async get(key) {
      const row = await read(await load(), rowKey(key));
      return row && live(row.item, clock.now()) ? row.item : undefined;
    },

    async put(key: string, value: string, options: PutOptions = {}) {
      checkPutOptions(options);
      const client = await load();
      const row = rowKey(key);
      const written = await decide(key, async (n) => {
        const now = clock.now();
        const entity = toEntity({ key, value, opts: options }, now);
        if (!conditional(options)) {
          await client.upsertEntity(entity, 'Replace');
          return true;
        }
        // ifAbsent tries the create first: the common case (a new idempotency key) is one call.
        const current = options.ifAbsent && n === 0 && options.ifVersion === undefined ? undefined : await read(client, row);
        if (!holds(options, current, now)) return false;
        try {
          await (current ? client.updateEntity(entity, 'Replace', { etag: current.etag }) : client.createEntity(entity));
          return true;
        } catch (e) {
          if (lostRace(e)) return 'lost';
          throw e;
        }
      });
      if (written) wrote(1);
      return written;
    },

    async putAll(batch) {
      checkWrites(batch);
      if (batch.length === 0) return true;
      const bytes = batch.reduce((sum, w) => sum + (isDelete(w) ? 0 : Buffer.byteLength(JSON.stringify(w.value))) + 2 * Buffer.byteLength(w.key), 0);
      if (bytes > MAX_BATCH_BYTES) throw new RangeError(`tableStore: putAll carries ${bytes} bytes; an entity group transaction holds at most 4 MiB`);
      const client = await load();
      const written = await decide(batch[0]!.key, async () => {
        const now = clock.now();
        const entities = batch.map((w) => (isDelete(w) ? tombstone(w.key) : toEntity(w, now)));
        const rows = await Promise.all(batch.map((w, i) => (!isDelete(w) && conditional(w.opts) ? read(client, entities[i]!.rowKey) : undefined)));
        if (!batch.every((w, i) => isDelete(w) || holds(w.opts ?? {}, rows[i], now))) return false;
        const actions: TransactionAction[] = entities.map((entity, i) => {
          const w = batch[i]!;
          if (isDelete(w) || !conditional(w.opts)) return ['upsert', entity, 'Replace'];
          const row = rows[i];
          return row ? ['update', entity, 'Replace', { etag: row.etag }] : ['create', entity];
        });
        let response: TableTransactionResponse;
        try {
          response = await client.submitTransaction(actions);
        } catch (e) {
          if (lostRace(e)) return 'lost';
          throw e;
        }
        await Promise.all(batch.map((w, i) => (isDelete(w) ? removeTombstone(client, entities[i]!.rowKey, response.subResponses[i]?.etag) : undefined)));
        return true;
      });
      if (written) wrote(batch.length);
      return written;
    },

    async list(prefix, options = {}) {
      const limit = listLimit(options);
      const lo = encode(prefix);
      const now = clock.now();
      // Encoded keys use only U+0100..U+01FF, so U+0200 bounds every key under the prefix.
      let filter = `PartitionKey eq '${PARTITION}' and RowKey ge '${lo}' and RowKey lt '${lo}\u0200' and expiresAt gt ${now}L`;
      if (options.after !== undefined) filter += ` and RowKey gt '${encode(options.after)}'`;
      const client = await load();
      const items: ListedItem[] = [];
      // The service may answer short pages (5 s or partition boundaries): read on past them.
      for await (const page of client.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: Math.min(limit + 1, 1000) })) {
        for (const entity of page) items.push({ key: keyOf(entity.rowKey!), ...toItem(entity) });
        if (items.length > limit) break;
      }
      return items.length > limit ? { items: items.slice(0, limit), next: items[limit - 1]!.key } : { items };
    },

    async delete(key) {
      const client = await load();
      try {
        await client.deleteEntity(PARTITION, rowKey(key));
      } catch (e) {
        if (status(e) !== 404) throw e;
      }
    },

    async check() {
      // A point read of a RowKey no key maps to (ASCII): needs only the data permission the store uses anyway.
      await read(await load(), 'check');
    },

    async sweepExpired(max = SWEEP_MAX) {
      const client = await load();
      // expiresAt is not indexed: the service scans the partition, so sweeps are rare and bounded.
      const filter = `PartitionKey eq '${PARTITION}' and expiresAt le ${clock.now()}L`;
      let deleted = 0;
      for await (const page of client.listEntities({ queryOptions: { filter, select: ['RowKey'] } }).byPage({ maxPageSize: Math.min(max, 1000) })) {
        for (const entity of page.slice(0, max - deleted)) {
          try {
            // The etag: an entity rewritten since the query is live again and must stay.
            await client.deleteEntity(PARTITION, entity.rowKey!, { etag: entity.etag });
            deleted++;
          } catch (e) {
            if (!lostRace(e)) throw e;
          }
        }
        if (deleted >= max) break;
      }
      return deleted;
    },

    async close() {
      await Promise.all(pending);
    },
  };
  return store;
}
