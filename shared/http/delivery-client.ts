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
  headers: Headers;
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

/** Reads at most `cap` bytes, then destroys the stream (undici drops that socket rather than drain it). */
async function readCapped(body: Readable, cap: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk.subarray(0, Math.max(0, cap - size)));
    size += chunk.length;
    if (size > cap) break; // leaving the loop destroys the stream
  }
  return { bytes: new Uint8Array(Buffer.concat(chunks)), truncated: size > cap };
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) for (const v of [value ?? []].flat()) headers.append(name, v);
  return headers;
}

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
  const agent = options.agent ?? guardedAgent({ allowPrivate: options.allowPrivate, lookup: options.lookup });

  async function send(href: string, request: DeliveryRequest): Promise<DeliveryResponse> {
    const checked = validateOutboundUrl(href, allow);
    if (!checked.ok) throw egressDenied(checked.code);
    const { url } = checked;
    const started = now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(timedOut(timeoutMs)), timeoutMs);
    try {
      // request() never follows redirects: a 3xx is the answer.
      const res = await undiciRequest().call(agent, {
        origin: url.origin, path: `${url.pathname}${url.search}`, method: (request.method ?? 'POST') as Dispatcher.HttpMethod,
        headers: request.headers, body: request.body, signal: deadline.signal,
      });
      const { bytes, truncated } = await readCapped(res.body, maxBodyBytes);
      return { status: res.statusCode, headers: toHeaders(res.headers), body: bytes, truncated, durationMs: now() - started };
    } catch (e) {
      if (deadline.signal.aborted) throw timedOut(timeoutMs);
      const denied = deniedCause(e);
      throw denied ? egressDenied(String(denied.extra.reason)) : connectFailed(e);
    } finally {
      clearTimeout(timer);
    }
  }

  return { send, close: async () => (options.agent ? undefined : agent.close()) };
}
