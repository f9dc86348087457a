import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scriptable vendor API on 127.0.0.1 (a free port) for connector tests: routes with handlers,
 * replies queued per route (a 429, then a 200 ...), a log of every request as received, and
 * helpers for the answers connectors must survive (429 with Retry-After, 401, 5xx, a response
 * that never comes) and for paged listings (cursor, offset, Link header, Graph delta).
 *
 *   const vendor = await startVendorServer();
 *   vendor.on('GET /widgets/:id', (req) => reply.json({ id: req.params.id }));
 *   vendor.queue('GET /widgets/:id', reply.tooManyRequests('2'));   // first call only
 *   ...
 *   await vendor.close();
 */
export interface VendorRequest {
  method: string;
  path: string;
  url: URL;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  params: Record<string, string>;
  /** The body parsed as JSON, or a form as an object. */
  json(): unknown;
}

export interface VendorReply {
  status?: number;
  headers?: Record<string, string | string[]>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as it is: text, or bytes (a gzipped file). */
  body?: string | Uint8Array;
  /** Never answer: the connection stays open until the client gives up or the server closes. */
  hang?: boolean;
  /** Drop the connection without an answer. */
  destroy?: boolean;
}

export type VendorHandler = (req: VendorRequest) => VendorReply | Promise<VendorReply>;
type Route = { method: string; pattern: RegExp; keys: string[]; handler?: VendorHandler; queued: (VendorReply | VendorHandler)[] };

export interface VendorServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly requests: VendorRequest[];
  /** Route `'METHOD /path/:param'` to a handler or a fixed reply. */
  on(route: string, handler: VendorHandler | VendorReply): VendorServer;
  /** Answers the route's next calls with these, in order, then falls back to its handler (or 404). */
  queue(route: string, ...replies: (VendorReply | VendorHandler)[]): VendorServer;
  /** Requests that matched a route. */
  requestsTo(route: string): VendorRequest[];
  close(): Promise<void>;
}

function compile(route: string): Omit<Route, 'queued' | 'handler'> {
  const [method, path] = route.split(' ', 2) as [string, string];
  const keys: string[] = [];
  const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, k: string) => (keys.push(k), '([^/]+)'));
  return { method: method.toUpperCase(), pattern: new RegExp(`^${source}$`), keys };
}

function parse(body: string, headers: IncomingHttpHeaders): unknown {
  if (String(headers['content-type'] ?? '').includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  return body === '' ? undefined : JSON.parse(body);
}

function write(res: ServerResponse, r: VendorReply): void {
  if (r.destroy) return void res.socket?.destroy();
  if (r.hang) return;
  const headers: Record<string, string | string[]> = { ...(r.json !== undefined ? { 'content-type': 'application/json' } : {}), ...r.headers };
  res.writeHead(r.status ?? 200, headers);
  res.end(r.json !== undefined ? JSON.stringify(r.json) : (r.body ?? ''));
}

export async function startVendorServer(): Promise<VendorServer> {
  const routes: Route[] = [];
  const requests: VendorRequest[] = [];
  const matched = new Map<Route, VendorRequest[]>();
  const find = (route: string) => {
    const c = compile(route);
    let r = routes.find((x) => x.method === c.method && x.pattern.source === c.pattern.source);
    if (!r) routes.push((r = { ...c, queued: [] }));
    return r;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      const body = Buffer.concat(chunks).toString('utf8');
      const base = { method: req.method ?? 'GET', path: url.pathname, url, query: url.searchParams, headers: req.headers, body, params: {}, json: () => parse(body, req.headers) };
      requests.push(base);
      for (const r of routes) {
        const m = r.method === base.method ? r.pattern.exec(url.pathname) : null;
        if (!m) continue;
        const vreq: VendorRequest = { ...base, params: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)])) };
        matched.set(r, [...(matched.get(r) ?? []), vreq]);
        const next = r.queued.shift() ?? r.handler;
        if (!next) break;
        try {
          return write(res, typeof next === 'function' ? await next(vreq) : next);
        } catch (e) {
          return write(res, { status: 500, json: { message: `vendor-server handler failed: ${String(e)}` } });
        }
      }
      write(res, { status: 404, json: { message: `vendor-server: no route for ${base.method} ${url.pathname}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const vendor: VendorServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(route, handler) {
      find(route).handler = typeof handler === 'function' ? handler : () => handler;
      return vendor;
    },
    queue(route, ...replies) {
      find(route).queued.push(...replies);
      return vendor;
    },
    requestsTo: (route) => matched.get(find(route)) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return vendor;
}

/** Replies connectors must handle. */
export const reply = {
  json: (json: unknown, status = 200, headers: Record<string, string | string[]> = {}): VendorReply => ({ status, json, headers }),
  noContent: (): VendorReply => ({ status: 204 }),
  /** 429; `retryAfter` is the Retry-After value (seconds or an HTTP-date) if any. */
  tooManyRequests: (retryAfter?: string, headers: Record<string, string> = {}, json: unknown = { message: 'Too Many Requests' }): VendorReply => ({
    status: 429, json, headers: { ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }), ...headers },
  }),
  unauthorized: (json: unknown = { message: 'Unauthorized' }): VendorReply => ({ status: 401, json, headers: { 'www-authenticate': 'Bearer' } }),
  forbidden: (json: unknown = { message: 'Forbidden' }): VendorReply => ({ status: 403, json }),
  notFound: (json: unknown = { message: 'Not Found' }): VendorReply => ({ status: 404, json }),
  serverError: (status = 500, json: unknown = { message: 'Internal Server Error' }, headers: Record<string, string> = {}): VendorReply => ({ status, json, headers }),
  unavailable: (retryAfter?: string): VendorReply => ({ status: 503, json: { message: 'Service Unavailable' }, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } }),
  hang: (): VendorReply => ({ hang: true }),
  drop: (): VendorReply => ({ destroy: true }),
};

/** Paged listings of `items`, in the styles vendors use. Each page's requests are in the log. */
export const pages = {
  /** `?cursor=` in, `{ [itemsKey]: [...], [nextKey]: cursor | '' }` out (Slack-like: an empty cursor ends). */
  cursor: <T>(items: T[], o: { pageSize: number; itemsKey?: string; cursorParam?: string; nextKey?: string }): VendorHandler => (req) => {
    const start = Number(req.query.get(o.cursorParam ?? 'cursor') ?? 0);
    const end = start + o.pageSize;
    return reply.json({ [o.itemsKey ?? 'items']: items.slice(start, end), [o.nextKey ?? 'next_cursor']: end < items.length ? String(end) : '' });
  },
  /** `?startAt=&maxResults=` in, `{ [itemsKey], total }` out (Jira-like); `cap` lowers the page size the server honours. */
  offset: <T>(items: T[], o: { offsetParam?: string; limitParam?: string; itemsKey?: string; cap?: number; withTotal?: boolean }): VendorHandler => (req) => {
    const start = Number(req.query.get(o.offsetParam ?? 'startAt') ?? 0);
    const size = Math.min(Number(req.query.get(o.limitParam ?? 'maxResults') ?? 50), o.cap ?? Infinity);
    const body: Record<string, unknown> = { [o.itemsKey ?? 'values']: items.slice(start, start + size) };
    if (o.withTotal !== false) body.total = items.length;
    return reply.json(body);
  },
  /** A bare JSON array with `Link: <...?after=N&limit=M>; rel="next"` (Okta-like); `origin` overrides the link's origin. */
  link: <T>(items: T[], o: { pageSize: number; origin?: string }): VendorHandler => (req) => {
    const start = Number(req.query.get('after') ?? 0);
    const end = start + o.pageSize;
    const self = new URL(req.url);
    const headers: Record<string, string[]> = { link: [`<${self.href}>; rel="self"`] };
    if (end < items.length) {
      const next = new URL(req.url.pathname, o.origin ?? req.url.origin);
      next.searchParams.set('after', String(end));
      next.searchParams.set('limit', String(o.pageSize));
      headers.link!.push(`<${next.href}>; rel="next"`);
    }
    return reply.json(items.slice(start, end), 200, headers);
  },
  /**
   * Graph delta query: `{ value, @odata.nextLink }` pages, the last with `@odata.deltaLink`
   * (`$skiptoken` / `$deltatoken` carry the position); `deltaToken` names the round's end.
   */
  delta: <T>(items: T[], o: { pageSize: number; deltaToken: string }): VendorHandler => (req) => {
    const start = Number(req.query.get('$skiptoken') ?? 0);
    const end = start + o.pageSize;
    const link = (k: string, v: string) => `${req.url.origin}${req.url.pathname}?${k}=${encodeURIComponent(v)}`;
    const more = end < items.length;
    return reply.json({
      value: req.query.has('$deltatoken') ? [] : items.slice(start, end),
      ...(more && !req.query.has('$deltatoken') ? { '@odata.nextLink': link('$skiptoken', String(end)) } : { '@odata.deltaLink': link('$deltatoken', o.deltaToken) }),
    });
  },
};
