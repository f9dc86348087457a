import type { TableClient, TableTransactionResponse, TransactionAction } from '@azure/data-tables';
import { isDelete, type Write } from '../../shared/ports/store';
import { checkTransaction, type Layout, type PartsRef, plan, type Planned, tombstone } from './store-table-layout';
import { dropParts } from './store-table-parts';
import { checkSure, conditional, decide, holds, lostOrThrow, ownWrite, partActions, readHead, removeTombstone } from './store-table-write';

/**
 * putAll of the Azure Table store: the whole batch, heads and parts, in one entity group
 * transaction, which the service applies all or nothing (at most 100 operations, 4 MiB:
 * checkTransaction). Conditional writes read their heads first and go in as `create` or as
 * `update` with the ETag read; unconditional writes go in as upserts; a delete is an upsert of a
 * tombstone, removed after the commit (removeTombstone), because a transaction fails as a whole
 * on deleting an entity that is not there. A lost race re-reads and decides again (decide).
 * https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
 *
 * Only the heads of conditional writes are read, so only their replaced parts are dropped after
 * the commit; the rest are left to sweepExpired (store-table-sweep.ts).
 */
export async function writeBatch(client: TableClient, batch: readonly Write[], layouts: readonly (Layout | undefined)[], now: () => number): Promise<boolean> {
  let replaced: PartsRef[] = [];
  const tried = batch.map(() => new Set<string>());
  const unsure: { cause?: unknown } = {};
  const written = await decide(batch[0]!.key, async () => {
    const at = now();
    const planned = batch.map((w, i): Planned => (isDelete(w) ? { head: tombstone(w.key), parts: [] } : plan(w.key, layouts[i]!, w.opts ?? {}, at)));
    // Heads first, so that subResponses[i] is the head of batch[i]; then every part.
    const parts = planned.flatMap((p) => p.parts);
    checkTransaction([...planned.map((p) => p.head), ...parts]);
    const rows = await Promise.all(batch.map((w, i) => (!isDelete(w) && conditional(w.opts) ? readHead(client, planned[i]!.head.rowKey) : undefined)));
    // The transaction is all or nothing: one conditional head of an earlier try means it was applied.
    if (batch.some((w, i) => !isDelete(w) && conditional(w.opts) && ownWrite(rows[i], tried[i]!))) return true;
    checkSure(unsure); // a resent transaction lost its race, and none of its heads is ours now
    planned.forEach((p, i) => tried[i]!.add(p.head.version as string));
    if (!batch.every((w, i) => isDelete(w) || holds(w.opts ?? {}, rows[i], at))) return false;
    const actions: TransactionAction[] = planned.map(({ head }, i) => {
      const w = batch[i]!;
      if (isDelete(w) || !conditional(w.opts)) return ['upsert', head, 'Replace'];
      const row = rows[i];
      return row ? ['update', head, 'Replace', { etag: row.etag }] : ['create', head];
    });
    let response: TableTransactionResponse;
    try {
      response = await client.submitTransaction([...actions, ...partActions(parts)]);
    } catch (e) {
      return lostOrThrow(e, unsure);
    }
    await Promise.all(batch.map((w, i) => (isDelete(w) ? removeTombstone(client, planned[i]!.head.rowKey, response.subResponses[i]?.etag) : undefined)));
    replaced = rows.flatMap((r) => (r?.head.split ? [r.head.split] : []));
    return true;
  });
  if (replaced.length > 0) await dropParts(client, replaced);
  return written;
}
