import fc from 'fast-check';
import type { Scope } from '../../shared/auth/api-keys';
import { keys } from '../../shared/delivery/keys';
import { adminOf, type ApiKey, API_KEYS, MARK, NOW, SEEDED, SEEDED_IDS, TENANTS } from './api-world';

/**
 * Arbitrary requests to the REST API (property test ./api.property.test.ts): Authorization
 * headers valid and not, JSON bodies of every route (subscriptions, CloudEvents, byte damage),
 * paths, ids, queries and headers.
 */

// --- the requests ----------------------------------------------------------------------------

/** How the Authorization header was built, and the key it validly carries (if any). */
export interface Auth {
  headers: [string, string][];
  key?: ApiKey;
  label: string;
}

export interface Req {
  method: string;
  path: string;
  auth: Auth;
  headers: [string, string][];
  body?: Uint8Array;
}

export const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

function readable(r: Req): Req {
  return Object.assign(r, {
    [fc.toStringMethod]: () => {
      const body = r.body === undefined ? '' : r.body.byteLength > 300 ? ` <${r.body.byteLength} bytes>` : ` body=${JSON.stringify(Buffer.from(r.body).toString('latin1'))}`;
      return `${r.method} ${r.path} auth=${r.auth.label} ${JSON.stringify(r.headers)}${body}`;
    },
  });
}

/** Valid presentations of a key: the scheme is case-insensitive, spaces and tabs separate. */
const VALID_FORMS: [string, string][] = [['Bearer ', ''], ['bearer ', ''], ['BEARER \t ', ''], [' Bearer  ', ' ']];
/** Presentations that carry no valid key: each answers 401 wherever a route matched. */
const INVALID_FORMS: [string, (k: string) => [string, string][]][] = [
  ['none', () => []],
  ['empty', () => [['authorization', '']]],
  ['scheme only', () => [['authorization', 'Bearer']]],
  ['basic', (k) => [['authorization', `Basic ${Buffer.from(`u:${k}`).toString('base64')}`]]],
  ['token scheme', (k) => [['authorization', `Token ${k}`]]],
  ['no scheme', (k) => [['authorization', k]]],
  ['truncated', (k) => [['authorization', `Bearer ${k.slice(0, -1)}`]]],
  ['extended', (k) => [['authorization', `Bearer ${k}x`]]],
  ['padded', (k) => [['authorization', `Bearer ${k}=`]]],
  ['upper-cased', (k) => [['authorization', `Bearer ${k.toUpperCase()}`]]],
  ['quoted', (k) => [['authorization', `Bearer "${k}"`]]],
  ['twice in one', (k) => [['authorization', `Bearer ${k} ${k}`]]],
  ['two headers', (k) => [['authorization', `Bearer ${k}`], ['authorization', `Bearer ${k}`]]],
  ['nbsp', (k) => [['authorization', `Bearer\u00a0${k}`]]],
  ['latin-1', (k) => [['authorization', `Bearer ${k}\u00e9`]]],
  ['x-api-key', (k) => [['x-api-key', k]]],
  ['in a cookie', (k) => [['cookie', `token=${k}`]]],
];
const headerChar = fc
  .oneof({ weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) }, fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09))
  .map((c) => String.fromCharCode(c));
const headerValue = fc.string({ unit: headerChar, maxLength: 60 });

export const apiKey = fc.oneof(fc.constantFrom(...API_KEYS), fc.constantFrom(adminOf('acme'), adminOf('globex')));
export const validAuth = (key: fc.Arbitrary<ApiKey>): fc.Arbitrary<Auth> =>
  fc.tuple(key, fc.nat({ max: VALID_FORMS.length - 1 })).map(([k, f]) => {
    const [pre, post] = VALID_FORMS[f]!;
    return { headers: [['authorization', `${pre}${k.key}${post}`]], key: k, label: `${k.id}/${JSON.stringify(pre)}` };
  });
export const invalidAuth: fc.Arbitrary<Auth> = fc.oneof(
  fc.tuple(apiKey, fc.nat({ max: INVALID_FORMS.length - 1 })).map(([k, f]) => {
    const [label, make] = INVALID_FORMS[f]!;
    return { headers: make(k.key), label: `${label}(${k.id})` };
  }),
  headerValue.map((v) => ({ headers: [['authorization', v]] as [string, string][], label: `random ${JSON.stringify(v)}` })),
);
const auth = fc.oneof({ weight: 4, arbitrary: validAuth(apiKey) }, invalidAuth);

// JSON bodies are built as values with `raw` nodes, so deep nesting (deeper than JSON.stringify
// can go) and `__proto__` members can be put anywhere.
class Raw {
  constructor(readonly text: string) {}
}
const own = (entries: [string, unknown][]): Record<string, unknown> => {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
};
function render(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(render).join(',')}]`;
  if (typeof v === 'object' && v !== null) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${render(x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
const deep = fc.oneof(
  fc.constantFrom(40, 2_000, 10_000).map((d) => new Raw(`${'{"a":'.repeat(d)}1${'}'.repeat(d)}`)),
  fc.constantFrom(40, 5_000, 30_000).map((d) => new Raw(`${'['.repeat(d)}${']'.repeat(d)}`)),
);
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'secret', 'secrets', 'id', 'tenant', 'createdAt', 'filters', '', 'URL', 'k'.repeat(300));
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, true, 0, -1, 1e308, 'x'.repeat(5000), '\u0000', '\ud800', [], {}),
  deep,
  hostileKey.map((k) => own([[k, { polluted: true }]])),
);

// Subscription bodies.
export const GOOD_URLS = ['https://hooks.example.com/secorch', 'http://receiver.example.org:8080/x?y=1', 'https://[2606:4700::1111]/hook', 'https://93.184.215.14/in'];
/** Documented refusals at subscription time: http(s) only, no credentials, no blocked IP literal. */
export const REFUSED_URLS = [
  'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'file:///etc/passwd', `https://user:${MARK}@hooks.example.com/`,
  `https://:${MARK}@hooks.example.com/`, 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:a9fe:a9fe]/', 'http://127.1/', 'http://0x7f000001/',
  'http://2130706433/', 'http://%31%32%37.0.0.1/', 'http://[::1]/', 'http://10.0.0.1/', 'http://100.64.0.1/', 'http://0.0.0.0/',
  'http://[64:ff9b::a9fe:a9fe]/', 'http://[2002:a9fe:a9fe::]/', 'http://[fe80::1%25eth0]/', 'gopher://hooks.example.com/', 'javascript:alert(1)',
  'data:text/plain,x', 'ftp://hooks.example.com/', 'ws://hooks.example.com/', '', 'hooks.example.com/no-scheme', '//hooks.example.com/x',
  `https://hooks.example.com/${'a'.repeat(3000)}`, 'https://hooks.example.com:99999/',
];
const url = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...GOOD_URLS) },
  { weight: 3, arbitrary: fc.constantFrom(...REFUSED_URLS) },
  fc.webUrl(),
  fc.string({ maxLength: 40 }),
  junk,
);
const CREDENTIAL_NAMES = ['authorization', 'Authorization', 'x-api-key', 'X-Auth-Token', 'cookie', 'x-client-secret', 'x-functions-key', 'proxy-authorization', 'x-signature'];
const PLAIN_NAMES = ['x-team', 'X-Region', 'accept', 'x-request-source'];
const BLOCKED_NAMES = ['content-type', 'webhook-id', 'webhook-signature', 'host', 'ce-id', 'user-agent', 'transfer-encoding', 'Bad Name', '', 'x\r\ny', '__proto__', 'constructor', `x-${'n'.repeat(200)}`];
const secretValue = fc.string({ unit: fc.constantFrom('a', 'Z', '9', '-', '_'), maxLength: 12 }).map((s) => `${MARK}-${s}`);
const headerEntry: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constantFrom(...CREDENTIAL_NAMES), fc.oneof(secretValue, secretValue.map((s) => `Bearer ${s}`))),
  fc.tuple(fc.constantFrom(...PLAIN_NAMES, ...CREDENTIAL_NAMES), fc.constantFrom('Bearer ', 'Basic ', 'SharedAccessSignature sr=', 'bearer\t').chain((p) => secretValue.map((s) => `${p}${s}`))),
  fc.tuple(fc.constantFrom(...PLAIN_NAMES), fc.constantFrom('blue', 'eu-west-1', '', ' padded ', 'a'.repeat(5000))),
  fc.tuple(fc.constantFrom(...PLAIN_NAMES, ...CREDENTIAL_NAMES, '__proto__', 'constructor'), fc.constantFrom('[redacted]', null)),
  fc.tuple(fc.constantFrom(...BLOCKED_NAMES, ...PLAIN_NAMES), fc.oneof(fc.constantFrom('v', 'a\r\nx-injected: 1', '\u0000', 'caf\u00e9', 'emoji \u{1F600}'), junk)),
);
const headersValue = fc.oneof({ weight: 5, arbitrary: fc.array(headerEntry, { maxLength: 5 }).map(own) }, junk, fc.array(headerEntry, { minLength: 21, maxLength: 22 }).map(own));
const VALID_FILTERS = [
  { exact: { type: 'secorch.finding.created' } }, { prefix: { type: 'secorch.' } }, { suffix: { subject: '.json' } },
  { all: [{ prefix: { type: 'secorch.' } }, { not: { exact: { source: 'x' } } }] }, { any: [{ exact: { type: 'a' } }, { exact: { type: 'b' } }] },
  { sql: "type LIKE 'secorch.finding.%' AND EXISTS severity" }, { prefix: { type: null } },
];
const INVALID_FILTERS = [{}, { exact: {} }, { sql: '(((' }, { sql: 'x'.repeat(70_000) }, { nope: 1 }, { exact: { type: 1 } }, { all: 'x' }, { exact: { type: 'a' }, prefix: { type: 'b' } }, [], 'type = x'];
const nestedNot = fc.constantFrom(33, 1_000, 10_000).map((d) => new Raw(`${'{"not":'.repeat(d)}{"exact":{"type":"x"}}${'}'.repeat(d)}`));
const filterValue = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...VALID_FILTERS) }, fc.constantFrom(...INVALID_FILTERS), nestedNot, junk);
const transformValue = fc.oneof(
  fc.constantFrom('{ "text": data.title }', '$', 'data', '', '(((', '$eval("1")', `data.${'a.'.repeat(3000)}b`, `${'('.repeat(3000)}1${')'.repeat(3000)}`, '$$'.repeat(40_000)),
  fc.string({ maxLength: 30 }),
  junk,
);
const rateLimitValue = fc.oneof(
  fc.record({ perSecond: fc.oneof(fc.double(), fc.integer(), fc.constantFrom(5, 1000, 1001, 0, -1)), burst: fc.oneof(fc.integer({ min: -5, max: 20_000 }), fc.double(), fc.constant(null)) }, { requiredKeys: [] }),
  junk,
);
const FIELDS = { url, filter: filterValue, transform: transformValue, headers: headersValue, rateLimit: rateLimitValue, enabled: fc.oneof(fc.boolean(), junk) };
type Field = keyof typeof FIELDS;
const fieldEntry = (name: Field, nullable: boolean): fc.Arbitrary<[string, unknown]> =>
  fc.tuple(fc.constant(name), nullable ? fc.oneof({ weight: 5, arbitrary: FIELDS[name] }, fc.constant(null)) : FIELDS[name]);
const subscriptionBody = (patch: boolean): fc.Arbitrary<unknown> =>
  fc.tuple(
    patch ? fc.constant(undefined) : fc.oneof({ weight: 9, arbitrary: url }, fc.constant(undefined)),
    fc.subarray(['filter', 'transform', 'headers', 'rateLimit', 'enabled', ...(patch ? ['url' as const] : [])] as Field[], { maxLength: 3 }).chain((names) => fc.tuple(...names.map((n) => fieldEntry(n, patch)))),
    fc.oneof({ weight: 5, arbitrary: fc.constant([]) }, fc.array(fc.tuple(hostileKey, junk), { maxLength: 2 })),
  ).map(([u, fields, unknown]) => own([...(u === undefined ? [] : [['url', u] as [string, unknown]]), ...fields, ...unknown]));

// CloudEvents.
const validEvent = fc.record({
  specversion: fc.constant('1.0'),
  id: fc.stringMatching(/^[A-Za-z0-9._-]{1,24}$/),
  source: fc.constantFrom('ci/scanner', 'urn:example:scanner', '/a/b', 'https://scanner.example.com/'),
  type: fc.constantFrom('secorch.finding.created', 'com.example.scan.finished'),
  time: fc.constantFrom('2026-01-01T00:00:00Z', '2025-12-31T23:59:60.5+01:00'),
  subject: fc.string({ minLength: 1, maxLength: 20 }),
  datacontenttype: fc.constantFrom('application/json', 'application/vnd.example+json'),
  data: fc.jsonValue({ maxDepth: 2 }),
  severity: fc.constantFrom('high', 'low'),
}, { requiredKeys: ['specversion', 'id', 'source', 'type'] });
const ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'dataschema', 'data', 'data_base64', 'tenant', 'origin', 'deliveryid', '__proto__', 'constructor', 'Bad-Name', 'x'.repeat(21)];
const attrValue = fc.oneof(
  fc.constantFrom('1.0', '0.3', '', '2026-02-30T00:00:00Z', 'yesterday', '\u0000', '\ud800', 'a\u0085b', '\ufffe', 'not a uri', 'https://x.example/y', 'text/plain', 'application/json', 'QUJD', 'QUJ', 2147483648, -2147483649, 1.5, null, true),
  fc.string({ maxLength: 20 }),
  junk,
);
const eventEdit = fc.oneof(
  fc.tuple(fc.constant('set' as const), fc.constantFrom(...ATTRIBUTES), attrValue),
  fc.tuple(fc.constant('drop' as const), fc.constantFrom('specversion', 'id', 'source', 'type'), fc.constant(undefined)),
);
const anyEvent = fc.tuple(validEvent, fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, fc.array(eventEdit, { minLength: 1, maxLength: 3 }))).map(([e, edits]) => {
  const entries = new Map<string, unknown>(Object.entries(e));
  for (const [op, name, value] of edits) {
    if (op === 'drop') entries.delete(name);
    else entries.set(name, value);
  }
  return own([...entries]);
});

export interface Payload {
  headers: [string, string][];
  body?: Uint8Array;
}
const STRUCTURED_TYPES = ['application/cloudevents+json', 'application/cloudevents+json; charset=utf-8', 'Application/CloudEvents+JSON', 'application/cloudevents+json; charset=utf-16', 'application/cloudevents+avro', 'application/cloudevents'];
const BATCH_TYPES = ['application/cloudevents-batch+json', 'application/cloudevents-batch+json; charset="UTF-8"', 'application/cloudevents-batch+protobuf'];
const BINARY_TYPES = ['application/json', 'text/plain', 'application/octet-stream', 'application/json; charset=latin1', '', 'text/json', 'image/png'];

/** A ce- header value: as it is when it fits in a header, else percent-encoded (binding 3.1.3.2). */
function headerForm(v: unknown, encode: boolean): string {
  const s = typeof v === 'string' ? v : v instanceof Raw ? v.text.slice(0, 200) : render(v);
  if (!encode && /^[\x20-\x7e\x80-\xff\t]*$/.test(s)) return s;
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80'; // a lone surrogate: its UTF-8 form, which the server must refuse
  }
}
const eventsPayload: fc.Arbitrary<Payload> = fc.oneof(
  fc.tuple(fc.constantFrom(...STRUCTURED_TYPES), anyEvent).map(([type, e]): Payload => ({ headers: [['content-type', type]], body: utf8(render(e)) })),
  fc.tuple(fc.constantFrom(...BATCH_TYPES), fc.oneof({ weight: 4, arbitrary: fc.array(anyEvent, { maxLength: 4 }) }, anyEvent, junk, fc.constant(Array.from({ length: 101 }, (_, i) => ({ specversion: '1.0', id: `b${i}`, source: 's', type: 't' })))))
    .map(([type, doc]): Payload => ({ headers: [['content-type', type]], body: utf8(render(doc)) })),
  fc.tuple(anyEvent, fc.boolean(), fc.option(fc.constantFrom(...BINARY_TYPES), { nil: undefined }), fc.array(fc.tuple(fc.constantFrom('ce-tenant', 'ce-origin', 'ce-datacontenttype', 'ce-data', 'ce-%', 'ce-id', 'CE-Source'), headerValue), { maxLength: 1 }))
    .map(([e, encode, type, extra]) => {
      const { data, data_base64: _b64, datacontenttype, ...attributes } = e;
      const headers: [string, string][] = Object.entries(attributes).filter(([k]) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)).map(([k, v]) => [`ce-${k}`, headerForm(v, encode)]);
      const contentType = type ?? (typeof datacontenttype === 'string' && /^[\x20-\x7e]*$/.test(datacontenttype) ? datacontenttype : undefined);
      if (contentType !== undefined) headers.push(['content-type', contentType]);
      return { headers: [...headers, ...extra], body: data === undefined ? undefined : utf8(render(data)) };
    }),
);

/** Byte-level damage to a JSON body: truncation, invalid UTF-8, a BOM, UTF-16, noise, oversize. */
const INVALID_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]];
const damage: fc.Arbitrary<(b: Uint8Array) => Uint8Array> = fc.oneof(
  { weight: 12, arbitrary: fc.constant((b: Uint8Array) => b) },
  fc.nat().map((n) => (b: Uint8Array) => b.subarray(0, b.byteLength === 0 ? 0 : n % b.byteLength)),
  fc.tuple(fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([n, bad]) => (b: Uint8Array) => {
    const at = b.byteLength === 0 ? 0 : n % b.byteLength;
    return Uint8Array.from([...b.subarray(0, at), ...bad, ...b.subarray(at)]);
  }),
  fc.constant((b: Uint8Array) => Uint8Array.from([0xef, 0xbb, 0xbf, ...b])),
  fc.constant((b: Uint8Array) => new Uint8Array(Buffer.from(Buffer.from(b).toString('utf8'), 'utf16le'))),
  fc.uint8Array({ maxLength: 64 }).map((noise) => () => noise),
  // Trailing whitespace is valid JSON: only the size is wrong (the JSON limit, the batch limit).
  fc.constantFrom(64 * 1024 + 1, 100 * 64 * 1024 + 1).map((n) => (b: Uint8Array) => {
    const out = new Uint8Array(Math.max(n, b.byteLength)).fill(0x20);
    out.set(b);
    return out;
  }),
);
const damaged = (p: fc.Arbitrary<Payload>): fc.Arbitrary<Payload> =>
  fc.tuple(p, damage).map(([x, d]) => (x.body === undefined ? x : { ...x, body: d(x.body) }));
const JSON_TYPES = ['application/json', 'application/merge-patch+json', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'application/json; charset="utf-8"'];
const NOT_JSON_CHARSETS = ['application/json; charset=utf-16', 'application/json; charset=iso-8859-1'];
const jsonPayload = (doc: fc.Arbitrary<unknown>): fc.Arbitrary<Payload> =>
  damaged(fc.tuple(doc, fc.option(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...JSON_TYPES) }, fc.constantFrom(...NOT_JSON_CHARSETS)), { nil: undefined }), fc.boolean()).map(([d, type, absent]) => ({
    headers: type === undefined ? [] : [['content-type', type]],
    body: absent && d === undefined ? undefined : utf8(d === undefined ? '' : render(d)),
  })));

const iso = fc.oneof(
  fc.integer({ min: -3 * 86_400_000, max: 86_400_000 }).map((d) => new Date(NOW + d).toISOString()),
  fc.constantFrom('2025-12-31', '2026-01-01T00:00:00+01:00', '2026-01-01T00:00Z', '1', 'March 7', '2026-13-01T00:00:00Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2026-01-01T00:00:00.1234567891Z', ''),
);
const rotateBody = jsonPayload(fc.oneof(fc.constant(undefined), fc.constant({}), fc.record({ overlapSeconds: fc.oneof(fc.integer({ min: -1, max: 700_000 }), fc.constantFrom(1.5, 1e21, '60', null)) }), junk));
// resumeAfter: base64url text (what the API answers, of any key), other text, or junk.
const resumeCursor = fc.oneof(fc.string({ maxLength: 80 }).map((t) => Buffer.from(t).toString('base64url')), fc.string({ maxLength: 20 }), junk);
const recoverBody = jsonPayload(fc.oneof(fc.record({ since: fc.oneof(iso, junk), until: fc.oneof(iso, junk), resumeAfter: resumeCursor }, { requiredKeys: ['since'] }), fc.constant({}), junk));
const anyBody = fc.oneof({ weight: 3, arbitrary: fc.constant<Payload>({ headers: [] }) }, jsonPayload(junk));

// Paths, ids and queries.
export type Kind = 'sub' | 'dlv' | 'dlq';
const HOSTILE_IDS = [
  '..', '.', '%2e%2e', '__proto__', 'constructor', 'sub_', 'x:y', 'x%3Ay', 'acme:sub_1', '%00', '%ff', '%', '%E2%82', 'a'.repeat(129), 'A'.repeat(128),
  '%F0%9F%98%80', 'sub_%2F..', 'null', 'undefined', '*', 'sub_*', '%20', 'msg_..', 'dlq_\u00e9',
];
const anyId = (kind: Kind) => fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SEEDED.acme[kind], ...SEEDED.globex[kind]) },
  fc.constantFrom(...TENANTS.flatMap(SEEDED_IDS)),
  fc.constantFrom(...HOSTILE_IDS),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/),
);
export const cursorFor = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
const cursor = fc.oneof(
  fc.constantFrom(...TENANTS.flatMap((t) => [
    ...SEEDED[t].sub.map((id) => cursorFor(keys.subscription(t, id))),
    ...SEEDED[t].dlv.map((id) => cursorFor(keys.delivery(t, id))),
    ...SEEDED[t].dlq.map((id) => cursorFor(keys.deadLetter(t, id))),
    cursorFor(keys.subscriptions(t)), cursorFor(`${keys.subscriptions(t)}\uffff`), cursorFor(`${keys.deliveries(t)}~`),
  ])),
  fc.constantFrom(cursorFor('sub:'), cursorFor('due:'), cursorFor('brk:acme:x'), 'A'.repeat(800), '%%', '====', '', 'c3ViOmFjbWU6'),
  fc.string({ maxLength: 20 }),
);
const queryParam: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constant('limit'), fc.oneof(fc.integer({ min: -2, max: 102 }).map(String), fc.constantFrom('', '1e2', '0x10', ' 5', '5.0', '99999999999999999999', 'NaN', '-0', '２'))),
  fc.tuple(fc.constant('cursor'), cursor),
  fc.tuple(fc.constantFrom('since', 'until'), iso),
  fc.tuple(fc.constant('status'), fc.constantFrom('pending', 'succeeded', 'failed', 'cancelled', 'FAILED', '', 'all')),
  fc.tuple(fc.constant('subscription'), fc.oneof(anyId('sub'), fc.constant('a:b'))),
  fc.tuple(fc.constant('kind'), fc.constantFrom('webhook', 'event', 'poison', '')),
  fc.tuple(fc.constant('source'), fc.constantFrom('retired', 'github', 'a:b', '', 'x'.repeat(200))),
  fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })),
);
export const query = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  fc.array(queryParam, { minLength: 1, maxLength: 4 }).map((ps) => `?${new URLSearchParams(ps).toString()}`),
  fc.constantFrom('?limit=5&limit=500', '?cursor=%', '?%ZZ=1', '?limit', '?=&&=', '?limit=1#frag'),
);

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
