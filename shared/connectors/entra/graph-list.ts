import { at } from '../paginate/types';
import type { Transport, TransportRequest } from '../types';
import { sameOriginUrl } from '../url';

/** A guard against a service that never stops handing out links. */
const MAX_PAGES = 10_000;

/**
 * Every item of a Graph collection: the `value` of each page, following `@odata.nextLink` until
 * a page has none (https://learn.microsoft.com/graph/paging). Links are used as given (they carry
 * the query of the first request) and must stay on the origin of the transport's baseUrl. For
 * listings read whole within one run; delta queries, which resume, use paginate/delta.ts. A link
 * already followed ends the listing, as a repeated cursor does (paginate/cursor.ts): a service
 * stuck on one page would otherwise be read 10,000 times, its items yielded each time.
 */
export async function* graphList<T>(t: Transport, request: TransportRequest): AsyncGenerator<T, void, undefined> {
  let url: string | undefined;
  const followed = new Set<string>();
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await t.request(url === undefined ? request : { url, headers: request.headers });
    const items = at(res.body, 'value');
    if (Array.isArray(items)) yield* items as T[];
    const link = at(res.body, '@odata.nextLink');
    if (typeof link !== 'string' || link === '') return;
    url = String(sameOriginUrl(t.name, t.baseUrl, link, new URL(res.url)));
    if (followed.has(url)) return;
    followed.add(url);
  }
}
