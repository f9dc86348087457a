import fc from 'fast-check';
import { apiRoutes } from '../../functions/api/routes';
import type { Scope } from '../../shared/auth/api-keys';
import { httpRouter } from '../../shared/http/router';
import { BODYLESS, REFUSED_URLS, type Req, TEMPLATES } from './api-requests';
import { API_KEYS, MARK, snapshot, type World } from './api-world';

/**
 * Sends a request through the in-process API router and checks what holds for every answer (see
 * ./api.property.test.ts): `exchange`.
 */

const ORIGIN = 'https://api.example.com';
const router = httpRouter(apiRoutes);

/**
 * The scope a (method, path) needs, from the README's endpoint table; undefined where no route
 * answers (the router's 404 or 405, which come before authentication).
 */
const ROUTE_SCOPES = TEMPLATES.map((t) => ({ method: t.method, scope: t.scope, re: new RegExp(`^${t.path.replace('{id}', '[^/]+')}/?$`) }));
function requiredScope(method: string, path: string): Scope | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return ROUTE_SCOPES.find((r) => r.method === m && r.re.test(path))?.scope;
}

// --- sending and the invariants of every answer ----------------------------------------------

export interface Answer {
  status: number;
  code?: string;
  doc: unknown;
  text: string;
}

export function fail(message: string, r: Req, a?: { status: number; text: string }): never {
  throw new Error(`${message}\n  request: ${String((r as unknown as Record<symbol, () => string>)[fc.toStringMethod]?.() ?? r.path)}\n  answer: ${a ? `${a.status} ${a.text.slice(0, 400)}` : '(none)'}`);
}

const SECRET_SHOWN = /whsec_[A-Za-z0-9+/]{20,}/;
const API_KEY_VALUES = API_KEYS.map((k) => k.key);

/** Objects anywhere in a document, for the tenant check of 2xx answers. */
function* objects(v: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(v)) for (const x of v) yield* objects(x);
  else if (typeof v === 'object' && v !== null) {
    yield v as Record<string, unknown>;
    for (const x of Object.values(v)) yield* objects(x);
  }
}

export async function exchange(w: World, r: Req): Promise<Answer> {
  const before = await snapshot(w);
  const published = w.bus.events.length;
  const request = new Request(`${ORIGIN}${r.path}`, { method: r.method, headers: [...r.auth.headers, ...r.headers], body: r.body as BodyInit | undefined });
  let res: Response;
  try {
    res = await router(request, w.deps);
  } catch (e) {
    fail(`the handler threw: ${(e as Error).stack}`, r);
  }
  const text = await res.text();
  const a = { status: res.status, text };
  if (res.status >= 500) fail('5xx answer', r, a);
  const type = res.headers.get('content-type');
  let doc: unknown;
  if (res.status === 204) {
    if (text !== '') fail('204 with a body', r, a);
  } else {
    try {
      doc = JSON.parse(text);
    } catch {
      fail(`body is not JSON (content-type ${type})`, r, a);
    }
  }
  const problem = (doc ?? {}) as Record<string, unknown>;
  const answer: Answer = { status: res.status, doc, text };
  if (res.status >= 400) {
    if (type !== 'application/problem+json') fail(`4xx with content-type ${type}`, r, a);
    if (typeof problem.code !== 'string' || !/^[a-z][a-z0-9_]*$/.test(problem.code)) fail('problem without a stable code', r, a);
    if (problem.status !== res.status) fail('problem status differs from the HTTP status', r, a);
    if (/\bat .*\.(ts|js):\d+/.test(text)) fail('stack trace in the problem', r, a);
    answer.code = problem.code;
  } else if (res.status !== 204 && type !== 'application/json') {
    fail(`2xx with content-type ${type}`, r, a);
  }

  // Authentication and scopes come before anything else the route does.
  const path = new URL(request.url).pathname;
  const scope = requiredScope(request.method, path);
  if (scope === undefined) {
    if (!(res.status === 404 && answer.code === 'not_found') && !(res.status === 405 && answer.code === 'method_not_allowed')) fail('no route, yet not 404/405', r, a);
  } else if (!r.auth.key) {
    if (res.status !== 401 || answer.code !== 'unauthorized') fail('a request without a valid key was not answered 401', r, a);
  } else if (!r.auth.key.scopes.includes(scope)) {
    if (res.status !== 403 || answer.code !== 'forbidden_scope') fail(`a key without ${scope} was not answered 403`, r, a);
  } else if (res.status === 401 || res.status === 403) {
    fail(`a key with ${scope} was refused`, r, a);
  }

  // Nothing secret in any answer.
  const showsSecret = SECRET_SHOWN.test(text);
  const mayShowSecret = request.method === 'POST' && ((res.status === 201 && /^\/subscriptions\/?$/.test(path)) || (res.status === 200 && /\/rotate-secret\/?$/.test(path)));
  if (showsSecret && !mayShowSecret) fail('a subscription secret in an answer other than create or rotate-secret', r, a);
  if (mayShowSecret && !SECRET_SHOWN.test(String(problem.secret))) fail('create/rotate answered without the new secret', r, a);
  if (/"secrets"|"sealed"|v1\.memory\./.test(text)) fail('stored secrets (sealed) in an answer', r, a);
  if (text.includes(MARK)) fail('a credential-looking value in an answer (not redacted)', r, a);
  if (API_KEY_VALUES.some((k) => text.includes(k))) fail('an API key in an answer', r, a);

  // The URLs the README says are refused at subscription time never make it into a subscription.
  if (res.status < 300 && REFUSED_URLS.includes((problem as { url?: string }).url as string)) fail('a refused URL was accepted', r, a);

  // A 2xx answer to one tenant shows nothing of the other.
  if (res.status < 300 && r.auth.key && doc !== undefined) {
    const mine = r.auth.key.tenant;
    for (const o of objects(doc)) if (typeof o.tenant === 'string' && o.tenant !== mine) fail(`${mine} was shown a record of ${o.tenant}`, r, a);
    for (const [id, owner] of w.owned) if (owner !== mine && text.includes(id)) fail(`${mine} was shown the id ${id} of ${owner}`, r, a);
  }

  // A rejection, and any read, changes nothing observable.
  if (res.status >= 400 || BODYLESS.has(request.method)) {
    if ((await snapshot(w)) !== before) fail(res.status >= 400 ? 'a rejected request changed the stored state or published' : 'a read changed the stored state', r, a);
  }
  if (request.method === 'POST' && path.replace(/\/$/, '') === '/events' && res.status === 202) checkPublished(w, r, answer, published);
  if ((request.method === 'POST' && res.status === 201) || (request.method === 'PATCH' && res.status === 200)) checkHeadersKept(r, answer);
  return answer;
}

/**
 * An accepted create or PATCH keeps every extra header it was sent with a value (the answer
 * shows it, redacted or not): none is dropped silently, whatever its name.
 */
function checkHeadersKept(r: Req, a: Answer): void {
  const sent = JSON.parse(new TextDecoder().decode(r.body)) as Record<string, unknown>; // drops a BOM, as the API does
  const headers = Object.hasOwn(sent, 'headers') ? sent.headers : undefined;
  if (typeof headers !== 'object' || headers === null) return;
  const shown = (a.doc as { headers?: Record<string, unknown> }).headers ?? {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== null && !Object.hasOwn(shown, name.toLowerCase())) fail(`the header ${JSON.stringify(name)} was accepted but not kept`, r, a);
  }
}

/** 202 from POST /events: exactly the answered ids were published, stamped with the key's tenant and origin. */
function checkPublished(w: World, r: Req, a: Answer, from: number): void {
  const ids = (a.doc as { ids?: unknown }).ids;
  const fresh = w.bus.events.slice(from);
  if (!Array.isArray(ids) || ids.length !== fresh.length || fresh.some((e, i) => e.id !== ids[i])) fail('202 ids differ from the published events', r, { status: a.status, text: a.text });
  const key = r.auth.key!;
  if (fresh.some((e) => e.tenant !== key.tenant || e.origin !== `api:${key.id}`)) fail('a published event is not stamped with the key\'s tenant and origin', r, { status: a.status, text: a.text });
}
