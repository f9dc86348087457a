/**
 * Where a sync that pages `... ORDER BY updated ASC` through POST /rest/api/3/search/jql must
 * start its next round so that no issue is lost to a page boundary.
 *
 * Atlassian documents `nextPageToken` only as "the token for a page to fetch that is not the first
 * page"; nothing promises that later pages come from the same result set
 * (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post).
 * Atlassian's own KB says results shift when matching data changes while pages are read
 * (https://support.atlassian.com/jira/kb/inconsistent-paginated-api-search-result-while-using-jql,
 * https://jira.atlassian.com/browse/JRASERVER-69860). An issue updated during a round leaves its
 * place for the end of the list, every issue after its old place moves up one, and the issue at
 * the next page boundary is never returned. That issue's `updated` is no earlier than the last
 * `updated` on the page read before the move, so each page is noted (when it was fetched, its
 * last `updated`), and an issue read with an `updated` later than the round's first fetch, less
 * SKEW_MS (clock skew, index lag), marks the page fetched before that time: the next round starts
 * no later than that page's last `updated`. Issues read again change nothing (an event needs a
 * new status, and event ids are stable), and the cursor still advances by at least a page a round.
 */
export type PageMark = [fetchedAt: number, lastUpdated: number];

export interface Drift {
  /** The round's pages; the first is always kept, the oldest others dropped past MAX_MARKS. */
  marks?: PageMark[];
  /** The earliest `updated` the next round must read again, when issues may have moved. */
  recheck?: number;
}

export const SKEW_MS = 60_000;
const MAX_MARKS = 64;

/** The drift after a page fetched at `fetchedAt` whose issues carry these `updated` times. */
export function notePage(d: Drift, fetchedAt: number, updates: readonly number[]): Drift {
  if (updates.length === 0) return d;
  const marks = [...(d.marks ?? []), [fetchedAt, Math.max(...updates)] as PageMark];
  // Dropping a middle mark only makes a later lookup fall on an earlier page: a lower bound still.
  if (marks.length > MAX_MARKS) marks.splice(1, 1);
  let recheck = d.recheck;
  for (const u of updates) {
    if (u + SKEW_MS < marks[0]![0]) continue;
    const before = marks.filter(([at]) => at <= u - SKEW_MS).at(-1) ?? marks[0]!;
    recheck = Math.min(recheck ?? before[1], before[1]);
  }
  return { marks, ...(recheck === undefined ? {} : { recheck }) };
}

/** Where the next round starts: the latest `updated` read, or earlier when issues may have moved. */
export const nextSince = (max: number, d: Drift) => (d.recheck === undefined ? max : Math.min(max, d.recheck));
