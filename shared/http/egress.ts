import { AppError } from '../errors';
import { type CidrList, contains, isPrivateOrReserved, parseCidrList, parseIp } from '../net/cidr';
import type { HttpClient } from '../ports/http';

/**
 * The egress guard (SSRF defence, https://owasp.org/www-community/attacks/Server_Side_Request_Forgery):
 * outbound requests go to http(s) URLs whose host resolves only to public addresses, or to
 * addresses inside `egress.allowPrivate`. Redirects are never followed blindly: each hop's target
 * is checked again, at most MAX_REDIRECTS of them.
 *
 * Remaining window (DNS rebinding): the host is resolved here, then resolved again by the inner
 * fetch when it connects. A hostile DNS server answering with TTL 0 can give a public address to
 * the check and a private one to the connection. Closing it means checking the very answer the
 * socket connects to: an undici Agent with `connect.lookup` passed as fetch's `dispatcher`. Node's
 * own undici is not importable and the `undici` package is not a dependency, so the provider's
 * composition root is where that would be added; until then the window is open for hostnames
 * (IP-literal URLs are exact).
 */
export interface EgressPolicy {
  /** CIDR ranges that may be reached although private or reserved (config `egress.allowPrivate`). */
  allowPrivate: readonly string[];
  /** All addresses of a host name, e.g. `dns.promises.lookup(host, { all: true })` mapped to strings. */
  resolve: (host: string) => Promise<string[]>;
}

export interface GuardedHttpClient extends HttpClient {
  /** Resolves the URL's host and throws egress_denied unless every address may be reached. */
  check(url: URL): Promise<string[]>;
  /** Whether an address is inside allowPrivate (not merely public). */
  allowlisted(ip: string): boolean;
  /** Whether allowPrivate opens any range at all. */
  readonly opensPrivate: boolean;
}

export const MAX_REDIRECTS = 3;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

/** Refused by policy. The message names no address: the caller gets nothing to map the network with. */
export const egressDenied = (reason: string) =>
  new AppError('egress_denied', 'The outbound request was refused by the egress policy', {
    status: 502, retryable: false, expose: false, extra: { reason },
  });

const unwrap = (host: string) => (host.startsWith('[') ? host.slice(1, -1) : host);

/** The init of the next hop, as the Fetch standard's HTTP-redirect fetch builds it. */
function nextInit(init: RequestInit, status: number, from: URL, to: URL): RequestInit {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  let next: RequestInit = { ...init, headers };
  if ((status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    next = { ...next, method: 'GET', body: null };
    for (const h of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(h);
  } else if (init.body instanceof ReadableStream) {
    throw egressDenied('redirect_with_stream_body'); // a stream cannot be sent twice
  }
  if (from.origin !== to.origin) for (const h of ['authorization', 'proxy-authorization', 'cookie']) headers.delete(h);
  return next;
}

/** Flattens a Request into url + init, so every hop is sent the same way. */
function split(input: string | URL | Request, init: RequestInit = {}): [URL, RequestInit] {
  if (!(input instanceof Request)) return [new URL(String(input)), init];
  const { method, headers, body, signal, redirect } = input;
  return [new URL(input.url), { method, headers, body, signal, redirect, ...(body ? { duplex: 'half' } : {}), ...init }];
}

export function guardedHttp(inner: HttpClient, policy: EgressPolicy): GuardedHttpClient {
  const allow: CidrList = parseCidrList(policy.allowPrivate);
  const allowlisted = (ip: string) => contains(allow, ip);

  async function check(url: URL): Promise<string[]> {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw egressDenied('scheme');
    const host = unwrap(url.hostname);
    const addresses = parseIp(host) ? [host] : await policy.resolve(host);
    if (addresses.length === 0) throw egressDenied('unresolved');
    for (const ip of addresses) if (isPrivateOrReserved(ip) && !allowlisted(ip)) throw egressDenied('private_address');
    return addresses;
  }

  async function fetchGuarded(input: string | URL | Request, requestInit?: RequestInit): Promise<Response> {
    let [url, init] = split(input, requestInit);
    const mode = init.redirect ?? 'follow';
    for (let hop = 0; ; hop++) {
      await check(url);
      const res = await inner.fetch(url, { ...init, redirect: 'manual' });
      const location = REDIRECT.has(res.status) ? res.headers.get('location') : null;
      if (location === null || mode === 'manual') return res;
      await res.body?.cancel().catch(() => undefined);
      if (mode === 'error') throw egressDenied('redirect');
      if (hop >= MAX_REDIRECTS) throw egressDenied('too_many_redirects');
      const to = new URL(location, url);
      init = nextInit(init, res.status, url, to);
      url = to;
    }
  }

  return { fetch: fetchGuarded, check, allowlisted, opensPrivate: policy.allowPrivate.length > 0 };
}

/** The guard behind an HttpClient, when it is one (schemes use it to police plain-http key URLs). */
export const asGuarded = (http: HttpClient): GuardedHttpClient | undefined =>
  'check' in http && 'allowlisted' in http ? (http as GuardedHttpClient) : undefined;
