import { tryJson } from '../body';
import { ConnectorError, isConnectorError } from '../errors';
import { sameOriginUrl } from '../url';
import type { Page, PagingBase, Transport } from './types';
import { at, DEFAULT_MAX_PAGES, linkedRequest } from './types';

/**
 * Microsoft Graph delta query (https://learn.microsoft.com/graph/delta-query-overview): pages
 * follow `@odata.nextLink` until one carries `@odata.deltaLink`, the link that asks next time for
 * the changes since this round. Persist `next` after each page to resume a round that failed
 * midway, and the final `deltaLink` (on the last page, and the generator's return value) to
 * start the next round. Both links must stay on the origin of baseUrl.
 *
 * A delta token Graph can no longer serve becomes `connector_sync_reset`, telling the sync job to
 * start over with a full round. Graph says so in two ways: 410 Gone
 * (https://learn.microsoft.com/graph/delta-query-overview#synchronization-reset), and, for users,
 * groups and other directory objects, whose delta links expire after 7 days, 400 with the error
 * code `syncStateNotFound` ("The sync state generation is not found. The delta token is expired
 * and data must be synchronized again.",
 * https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources/).
 * Read as an ordinary rejection, that 400 would fail every later run of the job.
 */
export interface DeltaPage<T> extends Page<T> {
  /** Set on the last page of a round. */
  deltaLink?: string;
}

export interface DeltaPaging<T> extends Partial<Pick<PagingBase<T>, 'items' | 'maxPages'>> {
  /** The initial round's request, e.g. `{ path: '/users/delta', query: { $select: 'id,accountEnabled' } }`. */
  request: PagingBase<T>['request'];
  /** A deltaLink or nextLink persisted by an earlier run. */
  resumeFrom?: string;
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export async function* deltaPages<T>(transport: Transport, p: DeltaPaging<T>): AsyncGenerator<DeltaPage<T>, string | undefined, undefined> {
  const items = p.items ?? ((body: unknown) => (Array.isArray(at(body, 'value')) ? (at(body, 'value') as T[]) : []));
  let url = p.resumeFrom === undefined ? undefined : String(sameOriginUrl(transport.name, transport.baseUrl, p.resumeFrom));
  // A nextLink already followed would repeat the same pages until maxPages: it ends the round,
  // without a deltaLink, as a repeated cursor ends a listing (cursor.ts).
  const followed = new Set<string>(url === undefined ? [] : [url]);
  for (let page = 0; page < (p.maxPages ?? DEFAULT_MAX_PAGES); page++) {
    const response = await transport.request(url === undefined ? p.request : linkedRequest(p.request, url)).catch((e: unknown) => {
      throw isConnectorError(e) && needsReset(e) ? syncReset(transport.name, e) : e;
    });
    const link = (name: string) => {
      const v = text(at(response.body, name));
      return v === undefined ? undefined : String(sameOriginUrl(transport.name, transport.baseUrl, v, new URL(response.url)));
    };
    const linked = link('@odata.nextLink');
    const next = linked === undefined || followed.has(linked) ? undefined : linked;
    if (next !== undefined) followed.add(next);
    const deltaLink = linked === undefined ? link('@odata.deltaLink') : undefined;
    yield { items: items(response.body, response), next, deltaLink, response };
    if (next === undefined) return deltaLink;
    url = next;
  }
  return undefined;
}

/** Graph error codes that mean "this sync state is gone, start again" (compared ignoring case). */
const RESET_CODES = new Set(['syncstatenotfound', 'syncstateinvalid', 'resyncrequired']);

function needsReset(e: ConnectorError): boolean {
  if (e.facts.vendorStatus === 410) return true;
  if (e.facts.vendorStatus !== 400) return false;
  const code = at(tryJson(String(e.facts.body ?? '')), 'error', 'code');
  return typeof code === 'string' && RESET_CODES.has(code.toLowerCase());
}

const syncReset = (connector: string, cause: ConnectorError) =>
  new ConnectorError('connector_sync_reset', `${connector}: the delta token expired; run a full synchronisation again without the stored link`, { ...cause.facts }, cause);
