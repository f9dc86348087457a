import type { TableClient } from '@azure/data-tables';
import { type ListOptions, listLimit, type ListPage } from '../../shared/ports/store';
import { encode, type Head, keyOf, PARTITION, toHead } from './store-table-layout';
import { withValues } from './store-table-parts';

/**
 * list of the Azure Table store: one RowKey range query over the partition (key order is RowKey
 * order: store-table-layout.ts), live heads only, then the values of the page's split heads
 * (store-table-parts.ts). Arguments are checked by the caller.
 */
export async function listPage(load: () => Promise<TableClient>, prefix: string, options: ListOptions, now: () => number): Promise<ListPage> {
  const limit = listLimit(options);
  const lo = encode(prefix);
  const at = now();
  // Encoded keys use only U+0100..U+01FF, so U+0200 bounds every key under the prefix, and
  // parts (RowKeys from U+0200 on) are outside every such range.
  let filter = `PartitionKey eq '${PARTITION}' and RowKey ge '${lo}' and RowKey lt '${lo}\u0200' and expiresAt gt ${at}L`;
  if (options.after !== undefined) filter += ` and RowKey gt '${encode(options.after)}'`;
  const client = await load();
  const heads: { row: string; head: Head }[] = [];
  // The service may answer short pages (5 s or partition boundaries): read on past them.
  for await (const page of client.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: Math.min(limit + 1, 1000) })) {
    for (const entity of page) heads.push({ row: entity.rowKey!, head: toHead(entity) });
    if (heads.length > limit) break;
  }
  // The head beyond the page only says that more follow: its value is not read.
  const items = (await withValues(client, heads.slice(0, limit), now)).map(({ row, item }) => ({ key: keyOf(row), ...item }));
  return heads.length > limit ? { items, next: keyOf(heads[limit - 1]!.row) } : { items };
}
