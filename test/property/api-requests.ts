import fc from 'fast-check';
import type { Scope } from '../../shared/auth/api-keys';
import { auth, type Auth, headerValue } from './api-auth';
import { eventsPayload } from './api-event-payloads';
import { anyId, type Kind, query } from './api-ids-queries';
import { anyBody, damaged, jsonPayload, type Payload, recoverBody, rotateBody } from './api-payloads';
import { subscriptionBody } from './api-subscription-bodies';

export { apiKey, type Auth, invalidAuth, validAuth } from './api-auth';
export { cursorFor, type Kind, query } from './api-ids-queries';
export { utf8 } from './api-json';
export type { Payload } from './api-payloads';
export { GOOD_URLS, REFUSED_URLS } from './api-subscription-bodies';

/**
 * Arbitrary requests to the REST API (property test ./api.property.test.ts): a route's template
 * with its Authorization header (./api-auth.ts), body (./api-payloads.ts,
 * ./api-event-payloads.ts, ./api-subscription-bodies.ts), id and query (./api-ids-queries.ts),
 * tweaked in method, path and headers; and stray requests to no route.
 */

export interface Req {
  method: string;
  path: string;
  auth: Auth;
  headers: [string, string][];
  body?: Uint8Array;
}

function readable(r: Req): Req {
  return Object.assign(r, {
    [fc.toStringMethod]: () => {
      const body = r.body === undefined ? '' : r.body.byteLength > 300 ? ` <${r.body.byteLength} bytes>` : ` body=${JSON.stringify(Buffer.from(r.body).toString('latin1'))}`;
      return `${r.method} ${r.path} auth=${r.auth.label} ${JSON.stringify(r.headers)}${body}`;
    },
  });
}

export interface Template {
  method: string;
  /** The path with `{id}` where an id goes. */
  path: string;
  kind?: Kind;
  scope: Scope;
  payload?: fc.Arbitrary<Payload>;
  list?: boolean;
}
export const TEMPLATES: Template[] = [
  { method: 'POST', path: '/events', scope: 'events:write', payload: damaged(eventsPayload) },
  { method: 'POST', path: '/subscriptions', scope: 'subscriptions:write', payload: jsonPayload(subscriptionBody(false)) },
  { method: 'GET', path: '/subscriptions', scope: 'subscriptions:read', list: true },
  { method: 'GET', path: '/subscriptions/{id}', kind: 'sub', scope: 'subscriptions:read' },
  { method: 'PATCH', path: '/subscriptions/{id}', kind: 'sub', scope: 'subscriptions:write', payload: jsonPayload(subscriptionBody(true)) },
  { method: 'DELETE', path: '/subscriptions/{id}', kind: 'sub', scope: 'subscriptions:write' },
  { method: 'POST', path: '/subscriptions/{id}/rotate-secret', kind: 'sub', scope: 'subscriptions:write', payload: rotateBody },
  { method: 'POST', path: '/subscriptions/{id}/recover', kind: 'sub', scope: 'deliveries:write', payload: recoverBody },
  { method: 'GET', path: '/deliveries', scope: 'deliveries:read', list: true },
  { method: 'GET', path: '/deliveries/{id}', kind: 'dlv', scope: 'deliveries:read' },
  { method: 'POST', path: '/deliveries/{id}/retry', kind: 'dlv', scope: 'deliveries:write', payload: anyBody },
  { method: 'GET', path: '/dead-letters', scope: 'deliveries:read', list: true },
  { method: 'GET', path: '/dead-letters/{id}', kind: 'dlq', scope: 'deliveries:read' },
  { method: 'DELETE', path: '/dead-letters/{id}', kind: 'dlq', scope: 'deliveries:write' },
  { method: 'POST', path: '/dead-letters/{id}/replay', kind: 'dlq', scope: 'deliveries:write', payload: anyBody },
];

// Methods Request accepts (CONNECT, TRACE and TRACK it refuses outright, so no server sees them).
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'patch', 'post', 'FOO', 'PROPFIND'];
const extraHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constantFrom('x-tenant', 'x-forwarded-for', 'ce-tenant', 'tenant', 'origin', 'x-http-method-override', 'cookie'), fc.constantFrom('globex', 'acme', '127.0.0.1', 'DELETE', 'x')),
  fc.tuple(fc.constant('content-length'), fc.constantFrom('0', '-1', 'abc', '99999999999', '1e309')),
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), headerValue),
);
export const BODYLESS = new Set(['GET', 'HEAD']);

export function build(t: Template, a: Auth, p: Payload | undefined, id: string, q: string, tweak: { method?: string; suffix: string; extra: [string, string][] }): Req {
  const method = tweak.method ?? t.method;
  const path = `${t.path.replace('{id}', id)}${tweak.suffix}${t.list ? q : ''}`;
  const body = BODYLESS.has(method.toUpperCase()) ? undefined : p?.body;
  return readable({ method, path, auth: a, headers: [...(p?.headers ?? []), ...tweak.extra], body });
}

const templateIndex = fc.nat({ max: TEMPLATES.length - 1 });
const tweak = fc.record({
  method: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, fc.constantFrom(...METHODS)),
  suffix: fc.oneof({ weight: 9, arbitrary: fc.constant('') }, fc.constantFrom('/', '//', '/extra', '/..', '/.', '%2F', '?x=1', '#f', '/rotate-secret/x')),
  extra: fc.oneof({ weight: 3, arbitrary: fc.constant<[string, string][]>([]) }, fc.array(extraHeader, { maxLength: 2 })),
});
const templated = (a: fc.Arbitrary<Auth>): fc.Arbitrary<Req> =>
  templateIndex.chain((i) => {
    const t = TEMPLATES[i]!;
    return fc.tuple(a, t.payload ?? fc.constant(undefined), t.kind ? anyId(t.kind) : fc.constant(''), query, tweak).map(([x, p, id, q, tw]) => build(t, x, p, id, q, tw));
  });
const strayPath = fc.oneof(
  fc.constantFrom('/', '/events/x', '/subscription', '/Subscriptions', '/subscriptions//x', '/deliveries/x/retry/y', '/dead-letters/x/replay/', '/health', '/openapi.json', '/webhooks/github', '/%2e%2e/subscriptions', '/subscriptions/%2F'),
  fc.array(fc.oneof(fc.constantFrom('subscriptions', 'deliveries', 'dead-letters', 'events', 'retry', 'recover', 'replay'), fc.string({ maxLength: 10 }).map(encodeURIComponent)), { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
);
const stray: fc.Arbitrary<Req> = fc.tuple(fc.constantFrom(...METHODS), strayPath, auth, anyBody).map(([method, path, a, p]) =>
  readable({ method, path, auth: a, headers: p.headers, body: BODYLESS.has(method.toUpperCase()) ? undefined : p.body }));
export const anyRequest = fc.oneof({ weight: 9, arbitrary: templated(auth) }, stray);
