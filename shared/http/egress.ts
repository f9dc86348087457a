import type { Dispatcher } from 'undici';
import { type CidrList, contains, isPrivateOrReserved, parseCidrList, parseIp } from '../net/cidr';
import type { HttpClient } from '../ports/http';
import { egressDenied, flattenRequest, type GuardedAgentPolicy, guardedAgent, lazyDispatcher, resolveAll, undiciHttp } from './egress-agent';

export { egressDenied } from './egress-agent';

/**
 * The egress guard (SSRF defence, https://owasp.org/www-community/attacks/Server_Side_Request_Forgery):
 * outbound requests go to http(s) URLs without credentials whose host resolves only to public
 * addresses, or to addresses inside `egress.allowPrivate`. Redirects are never followed blindly:
 * each hop's target is checked again, at most MAX_REDIRECTS of them.
 *
 * DNS rebinding (a hostile DNS server answering with TTL 0: a public address to the check, a
 * private one to the connection) is closed by `guardedHttp(policy)`: requests go through the
 * undici package's fetch with a guardedAgent as dispatcher (egress-agent.ts), whose
 * `connect.lookup` checks every address of the very answer the socket connects to, and whose
 * connector checks IP-literal hosts, on every new connection. A pooled socket stays bound to the
 * address checked when it opened. The check before each hop stays: it refuses early, names the
 * reason (unresolved, private_address) and gives `check()` its addresses; it is no longer the
 * only check. `guardedHttp(inner, policy)` keeps the check-before-request-only form for clients
 * that never connect (configuration validation, scripted tests): the window is open there.
 */
export interface EgressPolicy {
  /** CIDR ranges that may be reached although private or reserved (config `egress.allowPrivate`). */
  allowPrivate: readonly string[];
  /** All addresses of a host name, e.g. `dns.promises.lookup(host, { all: true })` mapped to strings. */
  resolve: (host: string) => Promise<string[]>;
}

/** The connect-time guard: GuardedAgentPolicy (allowPrivate, lookup, timeouts) plus these. */
export interface ConnectEgressPolicy extends GuardedAgentPolicy {
  /** A guardedAgent built from the same allowPrivate, to share its pool (deliveries); else one is built. */
  agent?: Dispatcher;
  /** The resolver of the check before each hop; default: `lookup` (node's dns.lookup). */
  resolve?: (host: string) => Promise<string[]>;
}

export interface GuardedHttpClient extends HttpClient {
  /** Resolves the URL's host and throws egress_denied unless every address may be reached. */
  check(url: URL): Promise<string[]>;
  /** Whether an address is inside allowPrivate (not merely public). */
  allowlisted(ip: string): boolean;
  /** Whether allowPrivate opens any range at all. */
  readonly opensPrivate: boolean;
  /**
   * fetch over connections to addresses inside allowPrivate only, checked in the DNS answer each
   * socket connects to (the guard's own agent): plain http is allowed to a key server only there,
   * and a check of one answer before the request would let the connection use another (a public
   * address serving keys over cleartext). Absent on the check-before-request form.
   */
  fetchAllowlisted?: HttpClient['fetch'];
  /** Closes the pooled sockets of an agent the guard built itself (a shared one is left open). */
  close?(): Promise<void>;
}

export const MAX_REDIRECTS = 3;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

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

/** The connect-time guard (undici, see above); the form every composition root uses. */
export function guardedHttp(policy: ConnectEgressPolicy): GuardedHttpClient;
/** The check before each request only, in front of `inner`: for clients that never connect. */
export function guardedHttp(inner: HttpClient, policy: EgressPolicy): GuardedHttpClient;
export function guardedHttp(first: HttpClient | ConnectEgressPolicy, second?: EgressPolicy): GuardedHttpClient {
  if ('fetch' in first) return precheck(first, second!);
  const agent = first.agent ?? guardedAgent(first);
  const policy = { allowPrivate: first.allowPrivate, resolve: first.resolve ?? resolveAll(first.lookup) };
  const client = precheck(undiciHttp(agent), policy);
  // Its own pool, built on first use (plain-http key servers are rare).
  const strictAgent = lazyDispatcher(() => guardedAgent({ ...first, onlyAllowlisted: { reason: 'plain_http' } }));
  const strict = precheck(undiciHttp(strictAgent), policy);
  return {
    ...client,
    fetchAllowlisted: strict.fetch,
    close: async () => {
      await strictAgent.close();
      if (!first.agent) await agent.close();
    },
  };
}

/**
 * `work`, or the signal's reason as soon as it aborts. The check's DNS lookup cannot be cancelled
 * (getaddrinfo may take its resolv.conf timeouts, tens of seconds), and the caller's deadline
 * must hold while it runs, as it does once fetch has started.
 */
/** Signals whose request was aborted before any of it was sent (abortedBeforeSending). */
const unsent = new WeakSet<AbortSignal>();

/**
 * Whether the guarded request made with `signal` was aborted before anything was sent: during the
 * egress check's name resolution, which runs inside the caller's deadline. A caller that must not
 * repeat a write whose outcome is unknown may repeat this one.
 */
export const abortedBeforeSending = (signal: AbortSignal | null | undefined): boolean => signal != null && unsent.has(signal);

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function precheck(inner: HttpClient, policy: EgressPolicy): GuardedHttpClient {
  const allow: CidrList = parseCidrList(policy.allowPrivate);
  const allowlisted = (ip: string) => contains(allow, ip);

  async function check(url: URL): Promise<string[]> {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw egressDenied('scheme');
    // fetch would refuse it too, with a TypeError that quotes the whole URL, password included,
    // into whatever log the error reaches.
    if (url.username || url.password) throw egressDenied('credentials');
    const host = unwrap(url.hostname);
    const addresses = parseIp(host) ? [host] : await policy.resolve(host);
    if (addresses.length === 0) throw egressDenied('unresolved');
    for (const ip of addresses) if (isPrivateOrReserved(ip) && !allowlisted(ip)) throw egressDenied('private_address');
    return addresses;
  }

  async function fetchGuarded(input: string | URL | Request, requestInit?: RequestInit): Promise<Response> {
    let [url, init] = flattenRequest(input, requestInit);
    const mode = init.redirect ?? 'follow';
    for (let hop = 0; ; hop++) {
      try {
        await untilAborted(check(url), init.signal);
      } catch (e) {
        // Aborted while the address was still being checked (a slow resolver): nothing was sent.
        if (hop === 0 && init.signal?.aborted) unsent.add(init.signal);
        throw e;
      }
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

export type OutboundUrlCode = 'url_scheme' | 'url_credentials' | 'url_blocked_address' | 'url_invalid';
export type OutboundUrlCheck = { ok: true; url: URL } | { ok: false; code: OutboundUrlCode; message: string };

/**
 * A destination URL at subscription time (the caller answers 422): absolute http(s), no
 * credentials, and an IP-literal host outside the blocked ranges unless allowPrivate opens it.
 * Host names are not resolved here: DNS answers change, so they are checked when connecting,
 * every time (guardedAgent). Messages name the rule, never an address.
 */
export function validateOutboundUrl(url: string, allowPrivate: readonly string[] | CidrList): OutboundUrlCheck {
  const fail = (code: OutboundUrlCode, message: string): OutboundUrlCheck => ({ ok: false, code, message });
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed) return fail('url_invalid', 'The URL is not a valid absolute URL');
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return fail('url_scheme', 'The URL must use http or https');
  if (parsed.username || parsed.password) return fail('url_credentials', 'The URL must not carry credentials');
  const allow = 'v4' in allowPrivate ? allowPrivate : parseCidrList(allowPrivate);
  const host = unwrap(parsed.hostname);
  if (parseIp(host) && isPrivateOrReserved(host) && !contains(allow, host)) {
    return fail('url_blocked_address', 'The URL points to a private or reserved address outside egress.allowPrivate');
  }
  return { ok: true, url: parsed };
}
