import fc from 'fast-check';
import { hostileKey, junk, own, Raw } from './api-json';
import { MARK } from './api-world';

/**
 * Bodies of POST and PATCH /subscriptions (property test ./api.property.test.ts): target URLs
 * accepted and refused, header maps with credentials to keep secret, filters, transforms, rate
 * limits, and unknown or hostile members.
 */

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
export const subscriptionBody = (patch: boolean): fc.Arbitrary<unknown> =>
  fc.tuple(
    patch ? fc.constant(undefined) : fc.oneof({ weight: 9, arbitrary: url }, fc.constant(undefined)),
    fc.subarray(['filter', 'transform', 'headers', 'rateLimit', 'enabled', ...(patch ? ['url' as const] : [])] as Field[], { maxLength: 3 }).chain((names) => fc.tuple(...names.map((n) => fieldEntry(n, patch)))),
    fc.oneof({ weight: 5, arbitrary: fc.constant([]) }, fc.array(fc.tuple(hostileKey, junk), { maxLength: 2 })),
  ).map(([u, fields, unknown]) => own([...(u === undefined ? [] : [['url', u] as [string, unknown]]), ...fields, ...unknown]));
