import { sameOriginUrl } from '../url';
import { linkWithRel } from './link-header';
import type { Pages, PagingBase, Transport } from './types';
import { DEFAULT_MAX_PAGES, linkedRequest } from './types';

/**
 * `Link: <...>; rel="next"` paging (RFC 8288), as Okta (https://developer.okta.com/docs/api/#pagination)
 * and GitHub send it. The next URL, resolved against the page's own URL, must stay on the origin
 * of baseUrl: a link elsewhere would carry our credentials to a host the configuration never
 * named, so it is refused (connector_link_refused) together with the page that carries it: that
 * page without a `next` would read as the last one. The next page is requested exactly as linked,
 * under the first request's terms (linkedRequest).
 */
export interface LinkPaging<T> extends PagingBase<T> {
  /** A next-page URL persisted by an earlier run. */
  startUrl?: string;
}

export async function* linkPages<T>(transport: Transport, p: LinkPaging<T>): Pages<T> {
  const seen = new Set<string>();
  let url: string | undefined = p.startUrl;
  for (let page = 0; page < (p.maxPages ?? DEFAULT_MAX_PAGES); page++) {
    const request = url === undefined ? p.request : linkedRequest(p.request, url);
    const response = await transport.request(request);
    const link = response.headers.get('link');
    const target = link ? linkTarget(transport, link, response.url) : undefined;
    const next = target === undefined || seen.has(target) ? undefined : target;
    if (next !== undefined) seen.add(next);
    yield { items: p.items(response.body, response), next, response };
    if (next === undefined) return;
    url = next;
  }
}

function linkTarget(transport: Transport, header: string, pageUrl: string): string | undefined {
  const target = linkWithRel(header, 'next');
  return target === undefined ? undefined : String(sameOriginUrl(transport.name, transport.baseUrl, target, new URL(pageUrl)));
}
