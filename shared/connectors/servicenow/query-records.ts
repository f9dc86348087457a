import { linkWithRel } from '../paginate/link-header';
import { DEFAULT_MAX_PAGES, type Pages } from '../paginate/types';
import type { Transport, TransportRequest } from '../types';
import { path, sameOriginUrl } from '../url';
import { manyRecords, type SnRecord } from './records';

/**
 * GET /api/now/table/{table} with an encoded query, a page at a time. The instance answers each
 * page with a `Link` header (rel first/prev/next/last, each URL carrying sysparm_offset and
 * sysparm_limit) and `X-Total-Count`; the next page is requested exactly as linked. If the Link
 * header is missing (sysparm_suppress_pagination_header, a proxy that drops it) the offset advances
 * by sysparm_limit until X-Total-Count (or, without it, until a short page)
 * (https://www.servicenow.com/docs/bundle/latest/page/integrate/inbound-rest/concept/c_TableAPI.html#table-GET).
 * Read ACLs are applied to each page after the query ran (KB0718678), so a page may come back short
 * or empty with more to come: offsets count the rows before that filter, and a short page ends
 * the listing only when no total says otherwise.
 * The query is not given sysparm_query_category, so it is served by the primary database, never a
 * read replica (https://support.servicenow.com/kb?id=kb_article_view&sysparm_article=KB2649787).
 */
export interface RecordQuery {
  /** Encoded query, e.g. `correlation_id=abc^ORDERBYsys_created_on`. */
  query: string;
  fields: readonly string[];
  /** sysparm_limit: records per page (the instance's default is 10,000). */
  limit: number;
  /** A next-page URL persisted by an earlier run. */
  startUrl?: string;
  maxPages?: number;
}

export async function* queryRecords(t: Transport, table: string, q: RecordQuery): Pages<SnRecord> {
  const first: TransportRequest = {
    path: path`/api/now/table/${table}`,
    query: { sysparm_query: q.query, sysparm_fields: q.fields.join(','), sysparm_limit: q.limit, sysparm_offset: 0, sysparm_exclude_reference_link: true },
  };
  let request: TransportRequest = q.startUrl === undefined ? first : { url: q.startUrl };
  for (let page = 0; page < (q.maxPages ?? DEFAULT_MAX_PAGES); page++) {
    const response = await t.request(request);
    const items = manyRecords(t.name, response);
    const next = nextPage(t, response.url, response.headers, items.length, q.limit);
    yield { items, next, response };
    if (next === undefined) return;
    request = { url: next };
  }
}

function nextPage(t: Transport, pageUrl: string, headers: Headers, count: number, limit: number): string | undefined {
  const link = headers.get('link');
  if (link !== null) {
    const target = linkWithRel(link, 'next');
    return target === undefined ? undefined : String(sameOriginUrl(t.name, t.baseUrl, target, new URL(pageUrl)));
  }
  const url = new URL(pageUrl);
  const asked = Number(url.searchParams.get('sysparm_limit') ?? limit);
  const size = Number.isInteger(asked) && asked > 0 ? asked : limit;
  const offset = Number(url.searchParams.get('sysparm_offset') ?? 0) + size;
  const total = Number(headers.get('x-total-count') ?? NaN);
  if (Number.isFinite(total) ? offset >= total : count < size) return undefined;
  url.searchParams.set('sysparm_offset', String(offset));
  return url.href;
}
