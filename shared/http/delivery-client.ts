import type { LookupFunction } from 'node:net';
import type { Dispatcher } from 'undici';
import { parseCidrList } from '../net/cidr';
import { Deadline } from './delivery-deadline';
import { connectFailed, timedOut } from './delivery-errors';
import { LazyHeadersResponse } from './delivery-headers';
import { deniedCause, egressDenied, guardedAgent } from './egress-agent';
import { validateOutboundUrl } from './egress';
import { readCapped } from './read-capped';
import type { RequestFn } from './undici-parts';

export { headerRecord } from './delivery-headers';

/**
 * The webhook delivery transport: one request, no redirect followed (a 3xx comes back as it is and
 * counts as a failure to the caller; following it would let a subscriber bounce us anywhere),
 * sockets pooled with keep-alive by the guarded undici Agent (every new connection checked at
 * connect time), one total deadline for connecting, sending and reading, and only the first
 * bytes of the answer kept for the delivery log. Failures are typed:
 * - egress_denied (not retryable): the URL or an address of its host is refused by policy;
 * - delivery_timeout (retryable): the deadline passed, wherever the request was;
 * - connect_failed (retryable): no connection, or it broke (extra.reason: ECONNREFUSED, a TLS error...).
 */
export interface DeliveryClientOptions {
  /** CIDR ranges that may be reached although private or reserved (config `egress.allowPrivate`). */
  allowPrivate: readonly string[];
  /** node `dns.lookup`-compatible resolver for the Agent built here; ignored with `agent`. */
  lookup?: LookupFunction;
  /** A guardedAgent built from the same allowPrivate, to share one pool per process. */
  agent?: Dispatcher;
  /** Total deadline per delivery; default 15 s. */
  timeoutMs?: number;
  /** Bytes of the response body kept; the rest is discarded unread. Default 20 KiB. */
  maxBodyBytes?: number;
  /** Monotonic milliseconds for durationMs; default performance.now. */
  now?: () => number;
}

export interface DeliveryRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface DeliveryResponse {
  status: number;
  /** Built on first read: most callers only need headerRecord. */
  headers: Headers;
  /** The response headers as Object.fromEntries(headers) gives them: names lower-cased and sorted, repeats joined. */
  headerRecord: Record<string, string>;
  /** The first maxBodyBytes of the body. */
  body: Uint8Array;
  truncated: boolean;
  durationMs: number;
}

export interface DeliveryClient {
  send(url: string, request: DeliveryRequest): Promise<DeliveryResponse>;
  /** Closes the pool if this client built it. */
  close(): Promise<void>;
}

type Target = { ok: true; origin: string; path: string } | { ok: false; code: string };
/** Destinations already checked: a subscription's URL is checked once, not on every delivery. */
const MAX_TARGETS = 1000;

let requestFn: RequestFn | undefined;
/**
 * undici's request() by path, bound to our dispatcher: a fifth of the CPU per delivery of Node's
 * fetch (no web streams, no Request/Response objects), loaded with the first delivery (undici-parts.ts).
 */
function undiciRequest(): RequestFn {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (requestFn ??= (require('./undici-parts') as typeof import('./undici-parts')).request);
}

export function guardedDeliveryClient(options: DeliveryClientOptions): DeliveryClient {
  const { timeoutMs = 15_000, maxBodyBytes = 20 * 1024, now = () => performance.now() } = options;
  const allow = parseCidrList(options.allowPrivate);
  // The deadline cannot cancel a connect in progress (see Deadline): the agent's own connect
  // timeout ends it, so it must not be longer than the delivery's.
  const agent = options.agent ?? guardedAgent({ allowPrivate: options.allowPrivate, lookup: options.lookup, connectTimeoutMs: Math.min(10_000, timeoutMs) });
  // The check is a pure function of the URL text and allowPrivate (no DNS: the agent checks
  // addresses when it connects), so its answer can be kept per URL.
  const targets = new Map<string, Target>();
  const target = (href: string): Target => {
    let t = targets.get(href);
    if (t === undefined) {
      const checked = validateOutboundUrl(href, allow);
      t = checked.ok ? { ok: true, origin: checked.url.origin, path: `${checked.url.pathname}${checked.url.search}` } : { ok: false, code: checked.code };
      if (targets.size >= MAX_TARGETS) targets.delete(targets.keys().next().value!);
      targets.set(href, t);
    }
    return t;
  };

  async function send(href: string, request: DeliveryRequest): Promise<DeliveryResponse> {
    const checked = target(href);
    if (!checked.ok) throw egressDenied(checked.code);
    const started = now();
    const deadline = new Deadline();
    // The deadline ends the request at the check phase after its timer, not in the timer itself:
    // when the process was busy past the deadline (a collection, a burst of work on the same
    // thread), the answer may have arrived meanwhile and only waits for the poll phase, which
    // runs between the two. Aborting in the timer would record an answered request as a timeout
    // and send it again: a repeat the receiver sees, caused by our stall, not by its slowness.
    let expiry: NodeJS.Immediate | undefined;
    const timer = setTimeout(() => void (expiry = setImmediate(() => deadline.abort(timedOut(timeoutMs)))), timeoutMs);
    try {
      // request() never follows redirects: a 3xx is the answer.
      const res = await deadline.race(undiciRequest().call(agent, {
        origin: checked.origin, path: checked.path, method: (request.method ?? 'POST') as Dispatcher.HttpMethod,
        headers: request.headers, body: request.body, signal: deadline,
      }));
      const { bytes, truncated } = await readCapped(res.body, maxBodyBytes);
      return new LazyHeadersResponse(res.statusCode, res.headers, bytes, truncated, now() - started);
    } catch (e) {
      if (deadline.aborted) throw timedOut(timeoutMs);
      const denied = deniedCause(e);
      throw denied ? egressDenied(String(denied.extra.reason)) : connectFailed(e);
    } finally {
      clearTimeout(timer);
      if (expiry) clearImmediate(expiry);
    }
  }

  return { send, close: async () => (options.agent ? undefined : agent.close()) };
}
