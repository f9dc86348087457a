import type { HttpClient } from '../ports/http';
import { ConnectorError, type ConnectorErrorFacts } from './errors';

/**
 * Redirects of requests whose credential the egress guard does not know about. The guard follows
 * redirects as fetch does (shared/http/egress.ts), dropping Authorization, Proxy-Authorization and
 * Cookie when the origin changes; a key in a header of the configuration's choosing (`X-API-Key`,
 * an `api-token` auth with `header`) would travel on to whatever host a redirect names. Such
 * requests follow redirects here instead, within the origin of the request only: a redirect
 * elsewhere is refused before anything is sent there.
 */
const DROPPED_BY_GUARD = new Set(['authorization', 'proxy-authorization', 'cookie']);
/** A DPoP proof names its own method and URL (RFC 9449 section 4.2): worthless elsewhere, not a credential. */
const NOT_CREDENTIALS = new Set(['dpop']);
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const MAX_HOPS = 3;

/** Whether an authorization puts a credential in a header the guard would carry to another origin. */
export const carriesOwnCredential = (headers: Record<string, string>): boolean =>
  Object.keys(headers).some((name) => !DROPPED_BY_GUARD.has(name.toLowerCase()) && !NOT_CREDENTIALS.has(name.toLowerCase()));

/**
 * One fetch that follows same-origin redirects that keep the method (307, 308; any for GET and
 * HEAD), each hop through the guard. Other redirects come back as the answer, which the transport
 * reports as a refusal.
 */
export async function fetchWithinOrigin(http: HttpClient, url: URL, init: RequestInit, facts: ConnectorErrorFacts): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  let at = url;
  for (let hop = 0; ; hop++) {
    const res = await http.fetch(at, { ...init, redirect: 'manual' });
    const location = REDIRECT.has(res.status) ? res.headers.get('location') : null;
    const keepsMethod = res.status === 307 || res.status === 308 || method === 'GET' || method === 'HEAD';
    if (location === null || !keepsMethod) return res;
    await res.body?.cancel().catch(() => undefined);
    const to = URL.canParse(location, at) ? new URL(location, at) : undefined;
    if (!to || to.origin !== url.origin) {
      throw new ConnectorError('connector_link_refused', `${facts.connector}: ${facts.method} ${facts.path} was redirected to another origin; the credential of ${facts.connector} is not sent there: set its baseUrl to the API's own address`, {
        ...facts, vendorStatus: res.status, origin: to?.origin,
      });
    }
    if (hop >= MAX_HOPS) {
      throw new ConnectorError('connector_bad_response', `${facts.connector}: ${facts.method} ${facts.path} was redirected more than ${MAX_HOPS} times`, { ...facts, vendorStatus: res.status });
    }
    to.hash = '';
    at = to;
  }
}
