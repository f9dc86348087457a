import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Agent as AgentType, buildConnector as BuildConnector, Dispatcher } from 'undici';
import { AppError } from '../errors';
import { type CidrList, contains, isPrivateOrReserved, parseCidrList } from '../net/cidr';
import type { HttpClient } from '../ports/http';

/** The undici parts, on the first outbound connection (undici-parts.ts says why). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const undici = () => require('./undici-parts') as typeof import('./undici-parts');

/**
 * The connect-time half of the egress guard (SSRF defence,
 * https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html):
 * an undici Agent whose sockets connect only to addresses checked in the very DNS answer they
 * use. A check before the request and a second resolution by the socket leave a DNS-rebinding
 * window (TTL 0, public answer first, private second); checking inside `connect.lookup` does not.
 * net.connect skips the lookup for an IP-literal host, so the connector checks literals itself.
 */
export interface GuardedAgentPolicy {
  /** CIDR ranges that may be reached although private or reserved (config `egress.allowPrivate`). */
  allowPrivate: readonly string[];
  /** A resolver with node's `dns.lookup` signature (undici `connect.lookup`); default `dns.lookup`. */
  lookup?: LookupFunction;
  /** Default 10 s (undici's). */
  connectTimeoutMs?: number;
  /**
   * How long an idle pooled socket is kept; default 4 s (undici's). A server's Keep-Alive hint may
   * lower it, never raise it: undici alone would let any destination hold a socket open for up to
   * 10 minutes per origin.
   */
  keepAliveTimeoutMs?: number;
  /** Sockets per origin; default unlimited. */
  connections?: number;
  /**
   * Connect only to addresses inside allowPrivate, never to a public one (refused as `reason`):
   * for plain-http key servers, whose rule is an allowlisted address (see GuardedHttpClient).
   */
  onlyAllowlisted?: { reason: string };
}

/** Refused by policy. The message names no address: the caller gets nothing to map the network with. */
const DENIED = 'The outbound request was refused by the egress policy';
const DENIED_TEXT = /The outbound request was refused by the egress policy \(([a-z_]+)\)/;

export const egressDenied = (reason: string) =>
  new AppError('egress_denied', `${DENIED} (${reason})`, {
    status: 502, retryable: false, expose: false, extra: { reason },
  });

/** The egress_denied AppError in an error's cause chain (undici's fetch wraps it in "fetch failed"). */
export function deniedCause(e: unknown): AppError | undefined {
  for (let c = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    if (c instanceof AppError && c.code === 'egress_denied') return c;
    // Node's fetch keeps a connector's error as the cause only when it is an Error of its own
    // realm; otherwise (a vm context, as under jest) it keeps just the text. The reason survives in it.
    const text = DENIED_TEXT.exec(String((c as { message?: unknown }).message ?? ''));
    if (text) return egressDenied(text[1]!);
  }
  return undefined;
}

/** Whether an address may be reached: public, or inside allowPrivate. */
export const egressPermits = (allow: CidrList) => (ip: string) => !isPrivateOrReserved(ip) || contains(allow, ip);

/**
 * Wraps a resolver: asks for every address and refuses the connection (egress_denied) unless each
 * one is permitted, so a mixed answer cannot slip a private address past Happy Eyeballs
 * (net's autoSelectFamily tries them all). Answers in the shape net asked for (`all` or not).
 */
export function guardedLookup(lookup: LookupFunction, permitted: (ip: string) => boolean, reason = 'private_address'): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, answer) => {
      if (err) return callback(err, []);
      const list: LookupAddress[] = typeof answer === 'string' ? [{ address: answer, family: isIP(answer) }] : answer;
      if (list.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      if (!list.every((a) => permitted(a.address))) return callback(egressDenied(reason), []);
      if (options.all) callback(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** The Agent every outbound request of a process shares: keep-alive pooling, connect-time checks. */
export function guardedAgent(policy: GuardedAgentPolicy): AgentType {
  const { Agent, buildConnector } = undici();
  const allow = parseCidrList(policy.allowPrivate);
  const permitted = policy.onlyAllowlisted ? (ip: string) => contains(allow, ip) : egressPermits(allow);
  const reason = policy.onlyAllowlisted?.reason ?? 'private_address';
  const open = buildConnector({
    timeout: policy.connectTimeoutMs ?? 10_000,
    lookup: guardedLookup(policy.lookup ?? dnsLookup, permitted, reason),
  });
  const connect: BuildConnector.connector = (options, callback) => {
    // undici hands IPv6 literals over without brackets; net.connect would not call lookup for them.
    if (isIP(options.hostname) && !permitted(options.hostname)) callback(egressDenied(reason), null);
    else open(options, callback);
  };
  const keepAlive = policy.keepAliveTimeoutMs ?? 4_000;
  return new Agent({ connect, keepAliveTimeout: keepAlive, keepAliveMaxTimeout: keepAlive, connections: policy.connections ?? null });
}

/** Promisified `lookup` for a check before a request: every address of a host, as text. */
export const resolveAll = (lookup: LookupFunction = dnsLookup) => (host: string): Promise<string[]> =>
  new Promise((resolve, reject) => {
    lookup(host, { all: true }, (err, answer) => {
      if (err) reject(err);
      else resolve(typeof answer === 'string' ? [answer] : answer.map((a) => a.address));
    });
  });

/** Flattens a Request into url + init, so every hop (and either fetch) is sent the same way. */
export function flattenRequest(input: string | URL | Request, init: RequestInit = {}): [URL, RequestInit] {
  if (!(input instanceof Request)) return [new URL(String(input)), init];
  const { method, headers, body, signal, redirect } = input;
  return [new URL(input.url), { method, headers, body, signal, redirect, ...(body ? { duplex: 'half' } : {}), ...init }];
}

/** The HttpClient port over Node's fetch with the guarded dispatcher: one connection pool, checked at connect. */
export function undiciHttp(dispatcher: Dispatcher): HttpClient {
  return {
    async fetch(input, requestInit) {
      const [url, init] = flattenRequest(input, requestInit);
      return fetch(url, { ...init, dispatcher } as RequestInit).catch((e: unknown) => Promise.reject(deniedCause(e) ?? e));
    },
  };
}

/**
 * A dispatcher that builds its Agent on first use: composition roots create their outbound
 * clients at cold start, while most invocations of most functions never connect anywhere.
 */
export function lazyDispatcher(make: () => Dispatcher): Dispatcher {
  let real: Dispatcher | undefined;
  const get = () => (real ??= make());
  return {
    dispatch: (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) => get().dispatch(options, handler),
    close: () => (real ? real.close() : Promise.resolve()),
    destroy: () => (real ? real.destroy() : Promise.resolve()),
  } as unknown as Dispatcher;
}
