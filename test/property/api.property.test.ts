import fc from 'fast-check';
import { apiRoutes } from '../../functions/api/routes';
import { seedDelivery } from '../../functions/api/testkit';
import { SCOPES, type Scope } from '../../shared/auth/api-keys';
import type { DeadLetter } from '../../shared/deadletters/store';
import { keys, sortableId } from '../../shared/delivery/keys';
import type { Subscription } from '../../shared/delivery/model';
import { httpRouter } from '../../shared/http/router';
import { fixedClock } from '../../shared/ports';
import { memoryStore } from '../../shared/store/memory';
import { memoryBus, testDeps } from '../deps';

/**
 * Property-based tests of the REST API (/events, /subscriptions, /deliveries, /dead-letters)
 * through the in-process router, as the GCP function and the local server run it. Every request
 * goes through `exchange`, which checks what holds whatever the request:
 * - no 5xx, no throw; a 4xx is application/problem+json with a code, its status, no stack;
 * - the API key decides first: 401 for a missing or bad key, 403 for a missing scope, never 2xx;
 * - a rejected request (and any GET) leaves the state store and the bus exactly as they were;
 * - no answer carries a subscription secret (except the create and rotate answers), a sealed
 *   secret, a credential-looking header value, or an API key; a 2xx answer carries nothing of
 *   the other tenant.
 * The properties: arbitrary requests; bodies of every writing route with a key that passes auth;
 * another tenant's ids and cursors; sequences of requests by both tenants against a model of
 * whose subscriptions exist. About 26,000 requests in all (isolation cases send three or four,
 * sequences about twelve), some 12 s on two cores. A failure prints the seed, the path and the
 * shrunk request; re-run one with `fc.assert(..., { seed, path })`.
 */
const RUNS = { requests: 8_000, bodies: 4_000, isolation: 2_000, sequences: 600 };
const TIMEOUT = 120_000;
const NOW = Date.parse('2026-01-01T00:00:00Z');
const ORIGIN = 'https://api.example.com';

// --- keys: two tenants, one key per non-empty scope subset, plus an all-scopes key each -------

const TENANTS = ['acme', 'globex'] as const;
type Tenant = (typeof TENANTS)[number];
const other = (t: Tenant): Tenant => (t === 'acme' ? 'globex' : 'acme');
const ALL = (1 << SCOPES.length) - 1;

interface ApiKey {
  id: string;
  key: string;
  tenant: Tenant;
  scopes: readonly Scope[];
}
const API_KEYS: ApiKey[] = TENANTS.flatMap((tenant) =>
  Array.from({ length: ALL }, (_, i) => {
    const mask = i + 1;
    const admin = mask === ALL;
    return {
      id: admin ? `${tenant}-admin` : `${tenant}-s${mask}`,
      key: `${tenant}-key-${String(mask).padStart(2, '0')}-0123456789abcdef`,
      tenant,
      scopes: SCOPES.filter((_s, bit) => mask & (1 << bit)),
    };
  }));
const adminOf = (t: Tenant) => API_KEYS.find((k) => k.tenant === t && k.scopes.length === SCOPES.length)!;
const CONFIG = {
  api: {
    keys: Object.fromEntries(API_KEYS.map((k) => [k.id, k.scopes.length === SCOPES.length ? { key: k.key, tenant: k.tenant } : { key: k.key, tenant: k.tenant, scopes: k.scopes }])),
  },
};

// --- the seeded world: each tenant's subscriptions, deliveries and dead letters ---------------

/** Credential-looking values carry this marker; no answer may ever contain it. */
const MARK = 'S3CR3T';
const fixedRandom = (n: number) => () => new Uint8Array(10).fill(n);
const seedId = (prefix: string, tenant: Tenant, n: number) => sortableId(prefix, NOW - 3_600_000 + n * 1000, fixedRandom(tenant === 'acme' ? n : 16 + n));
const SEEDED = Object.fromEntries(TENANTS.map((t) => [t, {
  sub: [seedId('sub_', t, 1), seedId('sub_', t, 2)],
  dlv: [seedId('msg_', t, 3), seedId('msg_', t, 4), seedId('msg_', t, 5)],
  dlq: [seedId('dlq_', t, 6), seedId('dlq_', t, 7), seedId('dlq_', t, 8)],
}])) as Record<Tenant, Record<'sub' | 'dlv' | 'dlq', string[]>>;
const SEEDED_IDS = (t: Tenant) => Object.values(SEEDED[t]).flat();

const BASE = testDeps(CONFIG, {}, NOW);
type Deps = typeof BASE.deps;
const router = httpRouter(apiRoutes);
let SEED: { key: string; value: string; ttlSeconds?: number }[] = [];

async function seedWorld(): Promise<void> {
  const { deps } = BASE;
  const at = new Date(NOW - 3_600_000).toISOString();
  for (const t of TENANTS) {
    const [s1, s2] = SEEDED[t].sub as [string, string];
    for (const [id, extra] of [
      [s1, { headers: { authorization: `Bearer ${MARK}-${t}-a`, 'x-api-key': `${MARK}-${t}-b`, 'x-team': 'blue' }, filter: { prefix: { type: 'secorch.' } } }],
      [s2, { enabled: false, disabledReason: 'user', rateLimit: { perSecond: 5 } }],
    ] as const) {
      const sealed = await deps.sealer.seal(`whsec_${Buffer.alloc(32, id).toString('base64')}`, { tenant: t, subscription: id });
      const sub: Subscription = { id, tenant: t, url: `https://${t}.example.com/hook`, enabled: true, createdAt: at, updatedAt: at, secrets: [{ sealed, createdAt: at }], ...extra };
      await deps.store.put(keys.subscription(t, id), JSON.stringify(sub));
    }
    const [d1, d2, d3] = SEEDED[t].dlv as [string, string, string];
    await seedDelivery(deps, { id: d1, tenant: t, subscriptionId: s1, status: 'failed' }, NOW - 1_800_000);
    await seedDelivery(deps, { id: d2, tenant: t, subscriptionId: s1, status: 'succeeded', lastError: undefined }, NOW - 1_700_000);
    await seedDelivery(deps, { id: d3, tenant: t, subscriptionId: s2, status: 'pending', nextAttemptAt: new Date(NOW + 5000).toISOString() }, NOW - 1_600_000);
    const [q1, q2, q3] = SEEDED[t].dlq as [string, string, string];
    const event = JSON.stringify({ specversion: '1.0', id: `dl-${t}`, source: 'ci/scanner', type: 'secorch.finding.created', tenant: t, data: { n: 1 } });
    const letters: DeadLetter[] = [
      { id: q1, tenant: t, kind: 'event', reason: { code: 'publish_failed', message: 'bus down' }, receivedAt: at, body: event, encoding: 'utf8', replays: 0 },
      { id: q2, tenant: t, kind: 'event', reason: { code: 'invalid_event', message: 'poison' }, receivedAt: at, body: '{"not":"an event"', encoding: 'utf8', replays: 0 },
      { id: q3, tenant: t, kind: 'webhook', source: 'retired', reason: { code: 'mapper_failed', message: 'x' }, receivedAt: at, body: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), encoding: 'base64', headers: { 'content-type': 'application/json' }, signature: `sha256=${MARK}`, replays: 0 },
    ];
    for (const d of letters) await deps.store.put(keys.deadLetter(t, d.id), JSON.stringify(d), { ttlSeconds: 30 * 86400 });
  }
  SEED = (await dump(deps)).map((i) => ({ key: i.key, value: i.value, ttlSeconds: i.expiresAt === undefined ? undefined : (i.expiresAt - NOW) / 1000 }));
}

async function dump(deps: Deps) {
  const out: { key: string; value: string; expiresAt?: number }[] = [];
  for (let after: string | undefined; ;) {
    const page = await deps.store.list('', { limit: 1000, after });
    out.push(...page.items);
    if (page.next === undefined) return out;
    after = page.next;
  }
}

interface World {
  deps: Deps;
  bus: ReturnType<typeof memoryBus>;
  /** Every id and its owner, seeded or created during the run: answers are checked against them. */
  owned: Map<string, Tenant>;
}

async function world(): Promise<World> {
  const clock = fixedClock(NOW);
  const store = memoryStore(clock);
  for (const s of SEED) await store.put(s.key, s.value, s.ttlSeconds === undefined ? {} : { ttlSeconds: s.ttlSeconds });
  const bus = memoryBus();
  const owned = new Map<string, Tenant>();
  for (const t of TENANTS) for (const id of SEEDED_IDS(t)) owned.set(id, t);
  return { deps: { ...BASE.deps, clock, store, bus }, bus, owned };
}

/** What a request may change: every stored record (value and expiry) and the bus. */
async function snapshot(w: World): Promise<string> {
  const items = await dump(w.deps);
  return `${items.map((i) => `${i.key}\t${i.expiresAt ?? ''}\t${i.value}`).join('\n')}\nbus:${w.bus.events.length}`;
}

// --- the requests ----------------------------------------------------------------------------

/** How the Authorization header was built, and the key it validly carries (if any). */
interface Auth {
  headers: [string, string][];
  key?: ApiKey;
  label: string;
}

interface Req {
  method: string;
  path: string;
  auth: Auth;
  headers: [string, string][];
  body?: Uint8Array;
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

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

const apiKey = fc.oneof(fc.constantFrom(...API_KEYS), fc.constantFrom(adminOf('acme'), adminOf('globex')));
const validAuth = (key: fc.Arbitrary<ApiKey>): fc.Arbitrary<Auth> =>
  fc.tuple(key, fc.nat({ max: VALID_FORMS.length - 1 })).map(([k, f]) => {
    const [pre, post] = VALID_FORMS[f]!;
    return { headers: [['authorization', `${pre}${k.key}${post}`]], key: k, label: `${k.id}/${JSON.stringify(pre)}` };
  });
const invalidAuth: fc.Arbitrary<Auth> = fc.oneof(
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
const GOOD_URLS = ['https://hooks.example.com/secorch', 'http://receiver.example.org:8080/x?y=1', 'https://[2606:4700::1111]/hook', 'https://93.184.215.14/in'];
/** Documented refusals at subscription time: http(s) only, no credentials, no blocked IP literal. */
const REFUSED_URLS = [
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

interface Payload {
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
const recoverBody = jsonPayload(fc.oneof(fc.record({ since: fc.oneof(iso, junk), until: fc.oneof(iso, junk) }, { requiredKeys: ['since'] }), fc.constant({}), junk));
const anyBody = fc.oneof({ weight: 3, arbitrary: fc.constant<Payload>({ headers: [] }) }, jsonPayload(junk));

// Paths, ids and queries.
type Kind = 'sub' | 'dlv' | 'dlq';
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
const cursorFor = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
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
const query = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  fc.array(queryParam, { minLength: 1, maxLength: 4 }).map((ps) => `?${new URLSearchParams(ps).toString()}`),
  fc.constantFrom('?limit=5&limit=500', '?cursor=%', '?%ZZ=1', '?limit', '?=&&=', '?limit=1#frag'),
);

interface Template {
  method: string;
  /** The path with `{id}` where an id goes. */
  path: string;
  kind?: Kind;
  scope: Scope;
  payload?: fc.Arbitrary<Payload>;
  list?: boolean;
}
const TEMPLATES: Template[] = [
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

/**
 * The scope a (method, path) needs, from the README's endpoint table; undefined where no route
 * answers (the router's 404 or 405, which come before authentication).
 */
const ROUTE_SCOPES = TEMPLATES.map((t) => ({ method: t.method, scope: t.scope, re: new RegExp(`^${t.path.replace('{id}', '[^/]+')}/?$`) }));
function requiredScope(method: string, path: string): Scope | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return ROUTE_SCOPES.find((r) => r.method === m && r.re.test(path))?.scope;
}

// Methods Request accepts (CONNECT, TRACE and TRACK it refuses outright, so no server sees them).
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'patch', 'post', 'FOO', 'PROPFIND'];
const extraHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constantFrom('x-tenant', 'x-forwarded-for', 'ce-tenant', 'tenant', 'origin', 'x-http-method-override', 'cookie'), fc.constantFrom('globex', 'acme', '127.0.0.1', 'DELETE', 'x')),
  fc.tuple(fc.constant('content-length'), fc.constantFrom('0', '-1', 'abc', '99999999999', '1e309')),
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), headerValue),
);
const BODYLESS = new Set(['GET', 'HEAD']);

function build(t: Template, a: Auth, p: Payload | undefined, id: string, q: string, tweak: { method?: string; suffix: string; extra: [string, string][] }): Req {
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
const anyRequest = fc.oneof({ weight: 9, arbitrary: templated(auth) }, stray);

// --- sending and the invariants of every answer ----------------------------------------------

interface Answer {
  status: number;
  code?: string;
  doc: unknown;
  text: string;
}

function fail(message: string, r: Req, a?: { status: number; text: string }): never {
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

async function exchange(w: World, r: Req): Promise<Answer> {
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

// --- the properties --------------------------------------------------------------------------

const ID_TEMPLATES = TEMPLATES.filter((t) => t.kind !== undefined);
const BODY_TEMPLATES = TEMPLATES.filter((t) => t.payload !== undefined);
const LIST_TEMPLATES = TEMPLATES.filter((t) => t.list);
const CREATE = TEMPLATES.findIndex((t) => t.method === 'POST' && t.path === '/subscriptions');
const LIST_SUBSCRIPTIONS = TEMPLATES.findIndex((t) => t.method === 'GET' && t.path === '/subscriptions');
const KIND_OF_LIST: Record<string, Kind> = { '/subscriptions': 'sub', '/deliveries': 'dlv', '/dead-letters': 'dlq' };
const PREFIX_OF: Record<Kind, (t: string) => string> = { sub: keys.subscriptions, dlv: keys.deliveries, dlq: keys.deadLetters };
/** Bodies the owner of a record gets a 2xx (or a state-dependent 409/422) for. */
const VALID_PAYLOAD: Record<string, fc.Arbitrary<Payload>> = {
  'PATCH /subscriptions/{id}': fc.constantFrom({ enabled: false }, { url: GOOD_URLS[0] }, { headers: { 'x-team': null } }).map((b): Payload => ({ headers: [['content-type', 'application/merge-patch+json']], body: utf8(JSON.stringify(b)) })),
  'POST /subscriptions/{id}/rotate-secret': fc.constant({ headers: [], body: utf8('{"overlapSeconds":0}') }),
  'POST /subscriptions/{id}/recover': fc.constant({ headers: [], body: utf8(JSON.stringify({ since: new Date(NOW - 86_400_000).toISOString() })) }),
  'POST /subscriptions': fc.constant({ headers: [], body: utf8(JSON.stringify({ url: GOOD_URLS[0], headers: { 'x-api-key': `${MARK}-x`, 'x-team': 'red' } })) }),
};
const validPayload = (t: Template): fc.Arbitrary<Payload | undefined> => VALID_PAYLOAD[`${t.method} ${t.path}`] ?? fc.constant(undefined);
const NOT_FOUND: Record<Kind, string> = { sub: 'subscription_not_found', dlv: 'delivery_not_found', dlq: 'dead_letter_not_found' };
/** An id of the right shape that no tenant has. */
const UNKNOWN: Record<Kind, string> = { sub: seedId('sub_', 'acme', 31), dlv: seedId('msg_', 'acme', 31), dlq: seedId('dlq_', 'acme', 31) };
const keyAuth = (k: ApiKey): Auth => ({ headers: [['authorization', `Bearer ${k.key}`]], key: k, label: k.id });
const plain = { suffix: '', extra: [] as [string, string][] };
/** An answer without its `instance` (the path, which holds the id): what must not depend on whose id it is. */
const shape = (a: Answer) => JSON.stringify({ status: a.status, doc: a.doc === undefined ? undefined : { ...(a.doc as object), instance: undefined } });

describe('REST API (property-based)', () => {
  beforeAll(seedWorld);

  test(`arbitrary requests: no 5xx, problems with codes, auth first, rejections change nothing, no secret shown (${RUNS.requests} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(anyRequest, async (r) => {
        await exchange(await world(), r);
      }),
      { numRuns: RUNS.requests },
    );
  }, TIMEOUT);

  test(`bodies of every writing route, sent with the owner's all-scopes key: no 5xx, rejections change nothing, no secret shown (${RUNS.bodies} runs)`, async () => {
    const cases = fc.record({ tenant: fc.constantFrom(...TENANTS), template: fc.nat({ max: BODY_TEMPLATES.length - 1 }), which: fc.nat() })
      .chain((c) => fc.record({ c: fc.constant(c), payload: BODY_TEMPLATES[c.template]!.payload! }));
    await fc.assert(
      fc.asyncProperty(cases, async ({ c, payload }) => {
        const t = BODY_TEMPLATES[c.template]!;
        const ids = t.kind ? SEEDED[c.tenant][t.kind] : [''];
        await exchange(await world(), build(t, keyAuth(adminOf(c.tenant)), payload, ids[c.which % ids.length]!, '', plain));
      }),
      { numRuns: RUNS.bodies },
    );
  }, TIMEOUT);

  test(`another tenant's ids are answered as unknown ones (404), lists and cursors never cross tenants (${RUNS.isolation} runs)`, async () => {
    const cases = fc.record({
      attacker: fc.constantFrom(...TENANTS),
      template: fc.nat({ max: ID_TEMPLATES.length - 1 }),
      which: fc.nat(),
      random: fc.boolean(),
      list: fc.nat({ max: LIST_TEMPLATES.length - 1 }),
      query,
      theirCursor: fc.boolean(),
    }).chain((c) => {
      const t = ID_TEMPLATES[c.template]!;
      const key = fc.constantFrom(...API_KEYS.filter((k) => k.tenant === c.attacker));
      return fc.record({ c: fc.constant(c), auth: validAuth(key), payload: c.random && t.payload ? t.payload : validPayload(t) });
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ c, auth: a, payload }) => {
        const t = ID_TEMPLATES[c.template]!;
        const kind = t.kind!;
        const victim = other(c.attacker);
        const id = SEEDED[victim][kind][c.which % SEEDED[victim][kind].length]!;
        const w = await world();
        const theirs = build(t, a, payload, id, '', plain);
        const out = await exchange(w, theirs);
        const unknown = await exchange(await world(), build(t, a, payload, UNKNOWN[kind], '', plain));
        if (shape(out) !== shape(unknown)) fail(`answered otherwise than for an unknown id (${unknown.status} ${unknown.code})`, theirs, out);
        if (!c.random && a.key!.scopes.includes(t.scope) && (out.status !== 404 || out.code !== NOT_FOUND[kind])) fail(`${c.attacker} was not answered 404 for an id of ${victim}`, theirs, out);
        // The owner's same request finds the record: the 404 above is isolation, not a bad id.
        if (!c.random) {
          const mine = build(t, keyAuth(adminOf(victim)), payload, id, '', plain);
          const owner = await exchange(await world(), mine);
          if (owner.status === 404) fail(`the owner got 404 for its own ${kind}`, mine, owner);
        }

        // Lists: only the caller's records; a cursor of the other tenant's listing is refused.
        const l = LIST_TEMPLATES[c.list]!;
        const listKind = KIND_OF_LIST[l.path]!;
        const q = c.theirCursor ? `?cursor=${cursorFor(`${PREFIX_OF[listKind](victim)}${SEEDED[victim][listKind][0]}`)}` : c.query;
        const list = build(l, a, undefined, '', q, plain);
        const listed = await exchange(w, list);
        if (!a.key!.scopes.includes(l.scope)) return;
        if (c.theirCursor && (listed.status !== 400 || listed.code !== 'invalid_query')) fail('a cursor of another tenant was not refused', list, listed);
        if (listed.status === 200) {
          const items = (listed.doc as { items: { id: string; tenant?: string }[] }).items;
          // Delivery summaries carry no tenant; every item must be one of the caller's records.
          if (items.some((i) => (i.tenant ?? c.attacker) !== c.attacker || !SEEDED[c.attacker][listKind].includes(i.id))) fail('a list showed a record that is not the caller\'s', list, listed);
        }
      }),
      { numRuns: RUNS.isolation },
    );
  }, TIMEOUT);

  test(`sequences of requests by both tenants: cross-tenant ids answered as unknown ones, lists show exactly each tenant's live subscriptions (${RUNS.sequences} runs)`, async () => {
    const step = fc.record({ auth: fc.oneof({ weight: 4, arbitrary: validAuth(apiKey) }, invalidAuth), template: fc.oneof(fc.constant(CREATE), fc.nat({ max: TEMPLATES.length - 1 })), target: fc.nat(), valid: fc.boolean() })
      .chain((s) => {
        const t = TEMPLATES[s.template]!;
        const payload = s.valid || !t.payload ? validPayload(t) : t.payload;
        return fc.record({ s: fc.constant(s), payload, query });
      });
    const cases = fc.tuple(fc.array(step, { minLength: 2, maxLength: 8 }), fc.integer({ min: 1, max: 4 }));
    await fc.assert(
      fc.asyncProperty(cases, async ([steps, pageSize]) => {
        const w = await world();
        const live = new Map<string, Tenant>(TENANTS.flatMap((t) => SEEDED[t].sub.map((id) => [id, t] as [string, Tenant])));
        for (const { s, payload, query: q } of steps) {
          const t = TEMPLATES[s.template]!;
          const pool = t.kind === 'sub' ? [...w.owned.keys()].filter((id) => id.startsWith('sub_')) : t.kind ? SEEDED[TENANTS[s.target % 2]!][t.kind] : [''];
          const id = pool[s.target % pool.length]!;
          const r = build(t, s.auth, payload, id, q, plain);
          const owner = w.owned.get(id);
          const foreign = s.auth.key !== undefined && owner !== undefined && owner !== s.auth.key.tenant;
          // Probed first, in the same world: an unknown id changes nothing, whatever is asked of it.
          const unknown = foreign ? await exchange(w, build(t, s.auth, payload, UNKNOWN[t.kind!], q, plain)) : undefined;
          const out = await exchange(w, r);
          if (unknown && shape(out) !== shape(unknown)) fail(`a request on another tenant's id was answered otherwise than for an unknown id (${unknown.status} ${unknown.code})`, r, out);
          if (out.status === 201) {
            const created = (out.doc as { id: string }).id;
            w.owned.set(created, s.auth.key!.tenant);
            live.set(created, s.auth.key!.tenant);
          }
          if (out.status === 204 && t.kind === 'sub') live.delete(id);
        }
        for (const tenant of TENANTS) {
          const seen: string[] = [];
          for (let q = `?limit=${pageSize}`; ;) {
            const out = await exchange(w, build(TEMPLATES[LIST_SUBSCRIPTIONS]!, keyAuth(adminOf(tenant)), undefined, '', q, plain));
            const page = out.doc as { items: { id: string }[]; next_cursor?: string };
            seen.push(...page.items.map((i) => i.id));
            if (page.next_cursor === undefined) break;
            q = `?limit=${pageSize}&cursor=${page.next_cursor}`;
          }
          expect(seen).toEqual([...live].filter(([, owner]) => owner === tenant).map(([id]) => id).sort());
        }
      }),
      { numRuns: RUNS.sequences },
    );
  }, TIMEOUT);
});
