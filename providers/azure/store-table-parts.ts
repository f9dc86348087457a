import type { TableClient } from '@azure/data-tables';
import type { StoredItem } from '../../shared/ports/store';
import { eachLimited } from '../../shared/batch/each-limited';
import { readSplitItem, storedItem } from '../../shared/store/split-values';
import { damaged, type Head, joinChunks, keyOf, PARTITION, partRow, type PartsRef, toHead } from './store-table-layout';

/**
 * Reading and removing the parts of split values (layout: store-table-layout.ts), with point
 * reads and deletes a few at a time: a 3 MiB value has at most 8 parts, and a point read is the
 * cheapest, strongly consistent access Table Storage has.
 */
const CONCURRENCY = 10;

export const status = (e: unknown) => (e as { statusCode?: unknown } | null)?.statusCode;

/** The service's error code: `details.errorCode` on a single-entity call, `code` on a transaction. */
const errorCode = (e: unknown) => {
  const err = e as { code?: unknown; details?: { errorCode?: unknown } } | null;
  return err?.code ?? err?.details?.errorCode;
};

/**
 * The table itself is gone: 404 TableNotFound (never created, deleted) or 409 TableBeingDeleted.
 * No entity read, condition or retry explains it, so it is never taken for a missing entity
 * (404 ResourceNotFound / EntityNotFound) or a lost race (409 EntityAlreadyExists).
 * https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes
 */
export const tableGone = (e: unknown) => {
  const code = errorCode(e);
  return (status(e) === 404 && code === 'TableNotFound') || (status(e) === 409 && code === 'TableBeingDeleted');
};

/** 404 for an entity that does not exist, in a table that does. */
export const entityMissing = (e: unknown) => status(e) === 404 && !tableGone(e);

const rowsOf = (split: PartsRef) => Array.from({ length: split.parts }, (_, i) => partRow(split.partsId, i));

/** A head entity, whole or only the `select`ed properties; undefined when there is none. */
export async function readEntity(client: TableClient, row: string, select?: string[]): Promise<{ etag: string; entity: Record<string, unknown> } | undefined> {
  try {
    const entity = await client.getEntity(PARTITION, row, select ? { queryOptions: { select } } : undefined);
    return { etag: entity.etag, entity };
  } catch (e) {
    if (entityMissing(e)) return undefined;
    throw e;
  }
}

/**
 * The values of split heads. A value with a part missing comes back undefined: its head was
 * overwritten or deleted meanwhile and the writer removed the parts (or the sweep removed them
 * with their expired head).
 */
export async function readSplit(client: TableClient, splits: readonly PartsRef[]): Promise<(string | undefined)[]> {
  const slices = await eachLimited(splits.flatMap(rowsOf), CONCURRENCY, async (row) => joinChunks((await readEntity(client, row))?.entity ?? {}));
  let at = 0;
  return splits.map((split) => {
    const mine = slices.slice(at, (at += split.parts));
    if (mine.some((s) => s === undefined)) return undefined;
    const value = mine.join('');
    if (value.length !== split.chars) throw damaged(`parts ${split.partsId} hold ${value.length} code units; their head says ${split.chars}`);
    return value;
  });
}

/**
 * Removes the parts of values that were overwritten or deleted: garbage collection after the
 * write succeeded, so failures are swallowed (throwing would report a completed write as failed,
 * and a retried conditional write would then answer false). What it misses is orphaned: no head
 * names it, so no reader sees it, and sweepExpired removes it (store-table-sweep.ts).
 */
export async function dropParts(client: TableClient, splits: readonly PartsRef[]): Promise<void> {
  try {
    await eachLimited(splits.flatMap(rowsOf), CONCURRENCY, async (row) => {
      try {
        await client.deleteEntity(PARTITION, row);
      } catch (e) {
        if (status(e) !== 404) throw e;
      }
    });
  } catch {
    // Garbage collection only; see above.
  }
}

export const live = (head: Head, now: number) => head.expiresAt === undefined || head.expiresAt > now;

/** A key's live item, by the injected clock; a split value read again when replaced meanwhile (readSplitItem). */
export function readItem(client: TableClient, row: string, now: () => number): Promise<StoredItem | undefined> {
  return readSplitItem({
    store: 'tableStore', key: keyOf(row), now,
    head: async () => {
      const found = await readEntity(client, row);
      return found && toHead(found.entity);
    },
    parts: async (head: Head) => (await readSplit(client, [head.split!]))[0],
  });
}

/** A list page's heads with their values: split values read together, one replaced meanwhile read again alone. */
export async function withValues<T extends { row: string; head: Head }>(client: TableClient, heads: readonly T[], now: () => number): Promise<(T & { item: StoredItem })[]> {
  const split = heads.filter((h) => h.head.split);
  const values = new Map<T, string | undefined>();
  (await readSplit(client, split.map((h) => h.head.split!))).forEach((value, i) => values.set(split[i]!, value));
  const out: (T & { item: StoredItem })[] = [];
  for (const h of heads) {
    const value = h.head.split ? values.get(h) : h.head.value ?? '';
    const item = value === undefined ? await readItem(client, h.row, now) : storedItem(h.head, value);
    if (item) out.push({ ...h, item });
  }
  return out;
}
