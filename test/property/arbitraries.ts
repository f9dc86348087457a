import fc from 'fast-check';
import { NOW, type Wire } from './harness';
import { SCHEMES, type SchemeCase, TINY_LIMIT } from './schemes';

/**
 * Arbitrary requests, signed or not: random paths under /webhooks/, methods, headers (including
 * values shaped like each scheme's signature and timestamp, so checks past the first syntax test
 * are reached), content types and charsets, Content-Length claims and bodies (random bytes,
 * invalid UTF-8, a BOM, UTF-16, sizes around the limits).
 */
export const SOURCE_NAMES = SCHEMES.flatMap((s) => [s.name, `${s.name}-tiny`]);
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const concat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** Anything a client can put in a header value: no NUL, CR or LF; latin-1 at most. */
const headerChar = fc
  .oneof({ weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) }, fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09))
  .map((c) => String.fromCharCode(c));
export const headerValue = fc.string({ unit: headerChar, maxLength: 60 });
const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);

const signatureValue = (s: SchemeCase) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 70 }).map((b) => s.signature.prefix + Buffer.from(b).toString(s.signature.encoding)),
    headerValue.map((v) => s.signature.prefix + v),
    headerValue,
  );
const timestampValue = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }).map((d) => String(Math.floor(NOW / 1000) + d)),
  fc.constantFrom('', '0', '-1', '1e9', '9'.repeat(16), ` ${NOW / 1000}`, `${NOW / 1000}.5`, '0x10', 'NaN'),
  headerValue,
);
const TYPES = [
  'application/json', 'APPLICATION/JSON', 'application/cloudevents+json', 'application/x-www-form-urlencoded', 'text/plain',
  'text/csv', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/xml', '', '*/*', ';', 'application/json;',
];
const CHARSETS = ['utf-8', 'UTF-8', '"utf-8"', 'utf8', 'us-ascii', 'utf-16', 'utf-16le', 'latin1', 'iso-8859-1', 'x-unknown', '', '"'];
export const contentType = fc.oneof(
  fc.constantFrom(...TYPES),
  fc.tuple(fc.constantFrom(...TYPES), fc.constantFrom(...CHARSETS)).map(([t, c]) => `${t}; charset=${c}`),
  headerValue,
);
const contentLength = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom('99999999999999999999', '1e309', '-1', 'abc', String(1024 * 1024 + 1), '18446744073709551616', 'Infinity', ' 5', '0x100000'),
);

const headerEntry: fc.Arbitrary<[string, string]> = fc.oneof(
  ...SCHEMES.map((s) => fc.tuple(fc.constant(s.signature.header), signatureValue(s))),
  fc.tuple(fc.constantFrom(...SCHEMES.flatMap((s) => (s.timestamp ? [s.timestamp.header] : []))), timestampValue),
  fc.tuple(fc.constantFrom(...SCHEMES.flatMap((s) => Object.keys(s.roles))), headerValue),
  fc.tuple(fc.constant('content-type'), contentType),
  fc.tuple(fc.constant('content-length'), contentLength),
  fc.tuple(token, headerValue),
);

const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SOURCE_NAMES) },
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '..', '.', 'GITHUB', '%2e%2e', 'github%2Fx'),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
  // Raw percent-encoded bytes: mostly not UTF-8 once decoded.
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 }).map((bs) => bs.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
  fc.string({ unit: fc.constantFrom('%', 'a', 'Z', '0', '-', '_', '.', '~', '!', '$', '&', "'", '(', ')', '*', '+', ',', ';', '=', ':', '@'), maxLength: 12 }),
);
const path = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(segment, fc.constantFrom('', '/', '/extra', '?x=1', '//', '#f')).map(([s, tail]) => `/webhooks/${s}${tail}`) },
  fc.constantFrom('/', '/webhooks', '/webhooks/', '/webhook/github', '/WEBHOOKS/github', '/webhooks//github', '/health'),
);
const method = fc.oneof({ weight: 6, arbitrary: fc.constant('POST') }, fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'FOO'));

const INVALID_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xfe, 0xff]];
const OVERSIZE = new Uint8Array(1024 * 1024 + 1).fill(0x20);
export const body = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 512 }),
  fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(...INVALID_UTF8), fc.uint8Array({ maxLength: 40 })).map(([a, bad, c]) => concat(a, bad, c)),
  fc.json().map(utf8),
  fc.json().map((t) => concat([0xef, 0xbb, 0xbf], utf8(t))),
  fc.json().map((t) => new Uint8Array(Buffer.from(t, 'utf16le'))),
  fc.string({ unit: 'binary', maxLength: 200 }).map(utf8),
  fc.integer({ min: TINY_LIMIT - 2, max: TINY_LIMIT + 2 }).map((n) => new Uint8Array(n).fill(0x7b)),
  { weight: 1, arbitrary: fc.constant(OVERSIZE) },
);

/** Prints a request in a shrunk counterexample as text rather than as a byte array. */
export function readable(w: Wire): Wire {
  const shown = w.body === undefined ? '' : w.body.byteLength > 200 ? ` <${w.body.byteLength} bytes>` : ` body=${JSON.stringify(Buffer.from(w.body).toString('latin1'))}`;
  return Object.assign(w, { [fc.toStringMethod]: () => `${w.method} ${w.path} ${JSON.stringify(w.headers)}${shown}` });
}

/** Requests nobody signed. */
export const unsignedRequest: fc.Arbitrary<Wire> = fc
  .record({ method, path, headers: fc.array(headerEntry, { maxLength: 8 }), body })
  .map((w) => readable(w.method === 'GET' || w.method === 'HEAD' ? { ...w, body: undefined } : w));

export const deliveryId = fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,39}$/));

/** What a validly signed request with an arbitrary body needs (signed in the property). */
export const signedChaos = fc.record({
  source: fc.constantFrom(...SOURCE_NAMES),
  text: fc.oneof(fc.json(), fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }), fc.json().map((j) => `payload=${encodeURIComponent(j)}`)),
  contentType: fc.option(contentType, { nil: undefined }),
  id: deliveryId,
  secret: fc.nat(),
  skewSeconds: fc.integer({ min: -400, max: 400 }),
  trailingSlash: fc.boolean(),
  extra: fc.array(fc.tuple(token, headerValue), { maxLength: 3 }),
});
