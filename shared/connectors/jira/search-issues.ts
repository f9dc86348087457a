import { at, DEFAULT_MAX_PAGES, type Page } from '../paginate/types';
import type { Transport } from '../types';

/**
 * POST /rest/api/3/search/jql, the enhanced search that replaced `/rest/api/3/search`
 * (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post,
 * https://developer.atlassian.com/changelog/#CHANGE-2046). Pages are chained by `nextPageToken`
 * in the request body, absent on the last page; tokens last 7 days, so a stored one resumes a
 * listing that stopped midway. A search changes nothing: marked idempotent so the transport may
 * retry it after a 5xx.
 *
 * Eventual consistency: the search reads an index that can lag recent writes ("Recent updates
 * might not be immediately visible", same page; https://developer.atlassian.com/cloud/jira/platform/search-and-reconcile/).
 * Atlassian gives no bound; it is usually seconds. `reconcileIssues` closes the gap only for
 * issue ids the caller already knows.
 */
export interface SearchedIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  properties: Record<string, unknown>;
}

export interface IssueSearch {
  jql: string;
  fields?: string[];
  /** Entity properties returned with each issue (at most 5). */
  properties?: string[];
  pageSize?: number;
  /** A nextPageToken stored by an earlier run. */
  startToken?: string;
  maxPages?: number;
}

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function issues(body: unknown): SearchedIssue[] {
  const list = at(body, 'issues');
  return (Array.isArray(list) ? list : []).flatMap((x: unknown) => {
    const id = at(x, 'id');
    const key = at(x, 'key');
    return typeof id === 'string' && typeof key === 'string' ? [{ id, key, fields: record(at(x, 'fields')), properties: record(at(x, 'properties')) }] : [];
  });
}

export async function* searchIssues(t: Transport, s: IssueSearch): AsyncGenerator<Page<SearchedIssue>, void, undefined> {
  let token = s.startToken;
  const sent = new Set<string>(token === undefined ? [] : [token]);
  for (let page = 0; page < (s.maxPages ?? DEFAULT_MAX_PAGES); page++) {
    const body = {
      jql: s.jql,
      maxResults: s.pageSize ?? 100,
      ...(s.fields ? { fields: s.fields } : {}),
      ...(s.properties ? { properties: s.properties } : {}),
      ...(token === undefined ? {} : { nextPageToken: token }),
    };
    const response = await t.request({ method: 'POST', path: '/rest/api/3/search/jql', body, idempotent: true });
    const next = at(response.body, 'nextPageToken');
    // A token sent before (the same one, or one coming round again) would loop for ever: treat it as the end.
    const following = typeof next === 'string' && next !== '' && !sent.has(next) && at(response.body, 'isLast') !== true ? next : undefined;
    if (following !== undefined) sent.add(following);
    yield { items: issues(response.body), next: following, response };
    if (following === undefined) return;
    token = following;
  }
}
