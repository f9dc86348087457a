import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { AppError } from '../errors';
import { parseCidrList } from '../net/cidr';
import { deniedCause, egressDenied, guardedAgent } from './egress-agent';
import { validateOutboundUrl } from './egress';

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

const timedOut = (timeoutMs: number) =>
  new AppError('delivery_timeout', 'The delivery timed out', { status: 504, retryable: true, expose: false, extra: { timeoutMs } });

/** The system error code (ECONNREFUSED ...) of a failure, which fetch wraps as the cause of a TypeError. */
function systemCode(e: unknown): string {
  for (let c = e as { code?: unknown; cause?: unknown } | undefined, i = 0; c && i < 5; c = c.cause as typeof c, i++) {
    if (typeof c.code === 'string' && c.code !== 'UND_ERR_SOCKET') return c.code;
  }
  return 'unknown';
}

const connectFailed = (cause: unknown) =>
  new AppError('connect_failed', 'The connection to the destination failed', {
    status: 502, retryable: true, expose: false, cause, extra: { reason: systemCode(cause) },
  });

const EMPTY = new Uint8Array(0);

/**
 * Reads at most `cap` bytes, then destroys the stream (undici drops that socket rather than drain
 * it). Plain stream events, not an async iterator: the iterator's promise per chunk and its
 * bookkeeping cost more than the typical webhook answer, which is empty or a few bytes.
 */
function readCapped(body: Readable, cap: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (truncated: boolean) => {
      body.off('data', onData);
      // A copy: the chunks are views into undici's socket reads.
      const bytes = chunks.length === 0 ? EMPTY : Buffer.concat(chunks);
      resolve({ bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), truncated });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk.subarray(0, Math.max(0, cap - size)));
      size += chunk.length;
      if (size > cap) {
        done(true);
        body.destroy();
      }
    };
    body.on('data', onData).once('end', () => done(false)).once('error', reject);
  });
}

type RawHeaders = Record<string, string | string[] | undefined>;

function toHeaders(raw: RawHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) for (const v of [value ?? []].flat()) headers.append(name, v);
  return headers;
}

/** HTTP whitespace (Fetch): what a header value is trimmed of. */
const isHttpSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const HTTP_SPACE_ENDS = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** The value trimmed; the regular expression runs only for the rare value that needs it. */
const trimHttp = (v: string) => (v.length > 0 && (isHttpSpace(v.charCodeAt(0)) || isHttpSpace(v.charCodeAt(v.length - 1))) ? v.replace(HTTP_SPACE_ENDS, '') : v);

/**
 * What Object.fromEntries(toHeaders(raw)) gives, without building the Headers: names sorted,
 * values trimmed of HTTP whitespace, repeats joined by ", " (set-cookie, which Headers lists
 * once per value, keeps its last value).
 */
export function headerRecord(raw: RawHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(raw).sort()) {
    const value = raw[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    let v: string;
    if (typeof value === 'string') v = trimHttp(value);
    else if (value.length > 0) v = lower === 'set-cookie' ? trimHttp(value[value.length - 1]!) : value.map(trimHttp).join(', ');
    else continue;
    // Assigned, `__proto__` would set the record's prototype (a string: ignored) and the header vanish.
    if (lower === '__proto__') Object.defineProperty(out, lower, { value: v, enumerable: true, writable: true, configurable: true });
    else out[lower] = v;
  }
  return out;
}

/**
 * A response whose Headers object is built only when someone reads it. A class: an object
 * literal with a getter is built by a slow path on every response.
 */
class LazyHeadersResponse implements DeliveryResponse {
  readonly headerRecord: Record<string, string>;
  #raw: RawHeaders;
  #headers: Headers | undefined;
  constructor(readonly status: number, raw: RawHeaders, readonly body: Uint8Array, readonly truncated: boolean, readonly durationMs: number) {
    this.#raw = raw;
    this.headerRecord = headerRecord(raw);
  }
  get headers(): Headers {
    return (this.#headers ??= toHeaders(this.#raw));
  }
}

/**
 * The deadline's abort signal, as the minimal EventEmitter undici's request() accepts: an
 * AbortController and its EventTarget cost more per request than the rest of this client.
 */
class Deadline {
  aborted = false;
  reason: unknown;
  private listener: (() => void) | undefined;
  private expired: ((reason: unknown) => void) | undefined;
  /**
   * `work`, or the deadline's reason as soon as it passes. undici binds the signal only when a
   * socket takes the request: while the lookup or the TCP handshake runs (a dead name server, a
   * destination that drops SYNs) an abort is only noted, and the connect timeout would end the
   * wait instead. The request left behind is aborted by undici once it connects or gives up.
   */
  race<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.expired = reject;
      work.then(resolve, reject);
    });
  }
  on(_event: 'abort', listener: () => void): this {
    this.listener = listener;
    return this;
  }
  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }
  removeListener(): this {
    this.listener = undefined;
    return this;
  }
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
    this.expired?.(reason);
  }
}

type Target = { ok: true; origin: string; path: string } | { ok: false; code: string };
/** Destinations already checked: a subscription's URL is checked once, not on every delivery. */
const MAX_TARGETS = 1000;

type RequestFn = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
let requestFn: RequestFn | undefined;
/**
 * undici's request() by path, bound to our dispatcher: a fifth of the CPU per delivery of Node's
 * fetch (no web streams, no Request/Response objects), without loading the package's index.
 */
function undiciRequest(): RequestFn {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (requestFn ??= require('undici/lib/api/api-request.js') as RequestFn);
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
