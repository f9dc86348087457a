import type { TableClient } from '@azure/data-tables';
import { PART_MARK, PARTITION, PARTS_END, partsIdOf, splitOf } from './store-table-layout';
import { readEntity, status } from './store-table-parts';

/**
 * Housekeeping of the Azure Table store, which Table Storage has no TTL for.
 *
 * Expired entities: heads, putAll's tombstones and the parts of values written with a TTL (a part
 * carries its head's `expiresAt`), found by one filter over the partition. `expiresAt` is not
 * indexed, so the service scans the partition: sweeps are rare and bounded.
 *
 * Orphaned parts: parts no head names any more. Head and parts are committed in one transaction,
 * so a part exists only if its head named it at the commit; once the head names another partsId
 * (a rewrite), or is a tombstone or gone, the part can never be named again (a partsId is fresh
 * per write) and may be deleted without a race. Writers remove the parts they replace when they
 * read the head before writing; orphans come from the writes that do not (putAll's unconditional
 * writes and deletes), from a write racing another, and from a crash or failure between a write
 * and its cleanup. Without this pass the parts of a value without a TTL would stay forever. The
 * parts' RowKey range is walked a bounded slice per sweep, resuming where the previous sweep
 * stopped (`after`), with only RowKey and `of` selected, so a sweep never downloads value bytes.
 */
const lost = (e: unknown) => status(e) === 404 || status(e) === 412;

export async function sweepExpiredRows(client: TableClient, now: number, max: number): Promise<number> {
  const filter = `PartitionKey eq '${PARTITION}' and expiresAt le ${now}L`;
  let deleted = 0;
  for await (const page of client.listEntities({ queryOptions: { filter, select: ['RowKey'] } }).byPage({ maxPageSize: Math.min(max, 1000) })) {
    for (const entity of page.slice(0, max - deleted)) {
      try {
        // The etag: an entity rewritten since the query is live again and must stay.
        await client.deleteEntity(PARTITION, entity.rowKey!, { etag: entity.etag });
        deleted++;
      } catch (e) {
        if (!lost(e)) throw e;
      }
    }
    if (deleted >= max) break;
  }
  return deleted;
}

export interface OrphanSweep {
  deleted: number;
  /** The RowKey to resume after, or undefined when the walk reached the end of the parts. */
  after?: string;
}

/** Deletes up to `max` orphaned parts among the next `max` parts after `after`. */
export async function sweepOrphanParts(client: TableClient, after: string | undefined, max: number): Promise<OrphanSweep> {
  const filter = `PartitionKey eq '${PARTITION}' and RowKey gt '${after ?? PART_MARK}' and RowKey lt '${PARTS_END}'`;
  // partsId -> orphaned. Keyed by the part's own id and decided by a head read after that part
  // was listed: a head read for another partsId may predate a rewrite that named this one.
  const orphaned = new Map<string, boolean>();
  let deleted = 0;
  let seen = 0;
  for await (const page of client.listEntities({ queryOptions: { filter, select: ['RowKey', 'of'] } }).byPage({ maxPageSize: Math.min(max, 1000) })) {
    for (const part of page) {
      const row = part.rowKey!;
      const partsId = partsIdOf(row);
      if (!orphaned.has(partsId)) orphaned.set(partsId, splitOf((await readEntity(client, String(part.of), ['partsId']))?.entity)?.partsId !== partsId);
      if (orphaned.get(partsId)) {
        try {
          await client.deleteEntity(PARTITION, row, { etag: part.etag });
          deleted++;
        } catch (e) {
          if (!lost(e)) throw e;
        }
      }
      if (++seen >= max || deleted >= max) return { deleted, after: row };
    }
  }
  return { deleted };
}
