import type { TableClient } from '@azure/data-tables';
import { AppError } from '../../shared/errors';
import type { StoredItem } from '../../shared/ports/store';
import { damaged, type Head, joinChunks, PARTITION, partRow, type PartsRef, toHead } from './store-table-layout';

/**
 * Reading and removing the parts of split values (layout: store-table-layout.ts), with point
 * reads and deletes a few at a time: a 3 MiB value has at most 8 parts, and a point read is the
 * cheapest, strongly consistent access Table Storage has.
 */
const CONCURRENCY = 10;
/** Reads of a split value that concurrent writers keep replacing before giving up (retryable). */
const READ_ATTEMPTS = 5;

export const status = (e: unknown) => (e as { statusCode?: unknown } | null)?.statusCode;

async function eachLimited<T, R>(inputs: readonly T[], run: (input: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      out[i] = await run(inputs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, inputs.length) }, worker));
  return out;
}

const rowsOf = (split: PartsRef) => Array.from({ length: split.parts }, (_, i) => partRow(split.partsId, i));

/** A head entity, whole or only the `select`ed properties; undefined when there is none. */
export async function readEntity(client: TableClient, row: string, select?: string[]): Promise<{ etag: string; entity: Record<string, unknown> } | undefined> {
  try {
    const entity = await client.getEntity(PARTITION, row, select ? { queryOptions: { select } } : undefined);
    return { etag: entity.etag, entity };
  } catch (e) {
    if (status(e) === 404) return undefined;
    throw e;
  }
}

/**
 * The values of split heads. A value with a part missing comes back undefined: its head was
 * overwritten or deleted meanwhile and the writer removed the parts (or the sweep removed them
 * with their expired head).
 */
export async function readSplit(client: TableClient, splits: readonly PartsRef[]): Promise<(string | undefined)[]> {
  const slices = await eachLimited(splits.flatMap(rowsOf), async (row) => joinChunks((await readEntity(client, row))?.entity ?? {}));
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
    await eachLimited(splits.flatMap(rowsOf), async (row) => {
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

function stored(head: Head, value: string): StoredItem {
  const item: StoredItem = { value, version: head.version };
  if (head.expiresAt !== undefined) item.expiresAt = head.expiresAt;
  return item;
}

/**
 * A key's live item, by the injected clock. A split value whose parts vanish between reading the
 * head and reading the parts was replaced meanwhile: read again from the head. The same head with
 * its parts still missing is no race: with a TTL, a sweep whose clock is ahead took them with the
 * expired head and the value is gone; without one the table was damaged.
 */
export async function readItem(client: TableClient, row: string, now: () => number): Promise<StoredItem | undefined> {
  let missing: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const found = await readEntity(client, row);
    if (!found) return undefined;
    const head = toHead(found.entity);
    if (!live(head, now())) return undefined;
    if (!head.split) return stored(head, head.value ?? '');
    if (head.split.partsId === missing) {
      if (head.expiresAt !== undefined) return undefined;
      throw damaged(`the parts of ${head.split.partsId} are missing`);
    }
    const [value] = await readSplit(client, [head.split]);
    if (value !== undefined) return stored(head, value);
    if (attempt >= READ_ATTEMPTS) {
      throw new AppError('store_unavailable', `tableStore: a value was replaced during each of ${READ_ATTEMPTS} reads`, { status: 503, retryable: true });
    }
    missing = head.split.partsId;
  }
}

/** A list page's heads with their values: split values read together, one replaced meanwhile read again alone. */
export async function withValues<T extends { row: string; head: Head }>(client: TableClient, heads: readonly T[], now: () => number): Promise<(T & { item: StoredItem })[]> {
  const split = heads.filter((h) => h.head.split);
  const values = new Map<T, string | undefined>();
  (await readSplit(client, split.map((h) => h.head.split!))).forEach((value, i) => values.set(split[i]!, value));
  const out: (T & { item: StoredItem })[] = [];
  for (const h of heads) {
    const value = h.head.split ? values.get(h) : h.head.value ?? '';
    const item = value === undefined ? await readItem(client, h.row, now) : stored(h.head, value);
    if (item) out.push({ ...h, item });
  }
  return out;
}
