import type { Page, Pages, PagingBase, Transport } from './types';
import { DEFAULT_MAX_PAGES } from './types';

/**
 * Cursor paging: the body names the next page's cursor, sent back as a query parameter, e.g.
 * Slack's `response_metadata.next_cursor` / `cursor` (https://api.slack.com/docs/pagination) or
 * Auth0's checkpoint `next` / `from`. The listing ends at an empty cursor, or a repeated one
 * (a vendor bug that would otherwise loop for ever).
 */
export interface CursorPaging<T> extends PagingBase<T> {
  cursorParam: string;
  nextCursor: (body: unknown, response: Page<T>['response']) => string | undefined | null;
  /** A cursor persisted by an earlier run. */
  startCursor?: string;
}

export async function* cursorPages<T>(transport: Transport, p: CursorPaging<T>): Pages<T> {
  let cursor = p.startCursor;
  const seen = new Set<string>(cursor === undefined ? [] : [cursor]);
  for (let page = 0; page < (p.maxPages ?? DEFAULT_MAX_PAGES); page++) {
    const query = cursor === undefined ? p.request.query : { ...p.request.query, [p.cursorParam]: cursor };
    const response = await transport.request({ ...p.request, query });
    const following = p.nextCursor(response.body, response) || undefined;
    const next = following === undefined || seen.has(following) ? undefined : following;
    if (next !== undefined) seen.add(next);
    yield { items: p.items(response.body, response), next, response };
    if (next === undefined) return;
    cursor = next;
  }
}
