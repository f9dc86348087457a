import type { Pages, PagingBase, Transport } from './types';
import { DEFAULT_MAX_PAGES } from './types';
import type { TransportResponse } from '../types';

/**
 * Offset/limit paging: Jira's `startAt` / `maxResults` / `total`
 * (https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#pagination), ServiceNow's
 * `sysparm_offset` / `sysparm_limit` with `X-Total-Count`. The offset advances by the items
 * actually returned: Jira may return fewer than asked for. The listing ends at an empty page,
 * when the total is reached, or, when no total is known, at a page shorter than the limit (so
 * keep `limit` at or below the vendor's own maximum).
 */
export interface OffsetPaging<T> extends PagingBase<T> {
  offsetParam: string;
  limitParam: string;
  limit: number;
  total?: (body: unknown, response: TransportResponse) => number | undefined;
  /** An offset persisted by an earlier run. */
  startOffset?: number;
}

export async function* offsetPages<T>(transport: Transport, p: OffsetPaging<T>): Pages<T> {
  let offset = p.startOffset ?? 0;
  for (let page = 0; page < (p.maxPages ?? DEFAULT_MAX_PAGES); page++) {
    const response = await transport.request({ ...p.request, query: { ...p.request.query, [p.offsetParam]: offset, [p.limitParam]: p.limit } });
    const items = p.items(response.body, response);
    const total = p.total?.(response.body, response);
    offset += items.length;
    const done = items.length === 0 || (total !== undefined && Number.isFinite(total) ? offset >= total : items.length < p.limit);
    yield { items, next: done ? undefined : String(offset), response };
    if (done) return;
  }
}
