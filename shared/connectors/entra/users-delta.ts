import { type DeltaPage, deltaPages } from '../paginate/delta';
import type { Transport } from '../types';
import { type GraphUser, USER_SELECT } from './user';

/** Graph's largest delta page size (`Prefer: odata.maxpagesize`, https://learn.microsoft.com/graph/delta-query-users). */
export const GRAPH_MAX_PAGE = 999;

/**
 * Users changed since `resumeFrom` (a stored deltaLink, or a nextLink of an unfinished round), or
 * every user when there is none. The page size is a preference the server may lower; links carry
 * the `$select` of the first request, so later requests are sent as linked.
 */
export function usersDelta(t: Transport, o: { pageSize?: number; resumeFrom?: string } = {}): AsyncGenerator<DeltaPage<GraphUser>, string | undefined> {
  return deltaPages<GraphUser>(t, {
    request: {
      path: '/users/delta',
      query: { $select: USER_SELECT },
      headers: { prefer: `odata.maxpagesize=${Math.min(o.pageSize ?? GRAPH_MAX_PAGE, GRAPH_MAX_PAGE)}` },
    },
    resumeFrom: o.resumeFrom,
  });
}
