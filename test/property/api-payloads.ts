import fc from 'fast-check';
import { iso } from './api-ids-queries';
import { junk, render, utf8 } from './api-json';

/**
 * Request payloads, a content type and body bytes (property test ./api.property.test.ts): JSON
 * bodies under content types right and wrong, byte-level damage to them, and the bodies of
 * rotate-secret, recover, retry and replay.
 */

export interface Payload {
  headers: [string, string][];
  body?: Uint8Array;
}

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
export const damaged = (p: fc.Arbitrary<Payload>): fc.Arbitrary<Payload> =>
  fc.tuple(p, damage).map(([x, d]) => (x.body === undefined ? x : { ...x, body: d(x.body) }));
const JSON_TYPES = ['application/json', 'application/merge-patch+json', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'application/json; charset="utf-8"'];
const NOT_JSON_CHARSETS = ['application/json; charset=utf-16', 'application/json; charset=iso-8859-1'];
export const jsonPayload = (doc: fc.Arbitrary<unknown>): fc.Arbitrary<Payload> =>
  damaged(fc.tuple(doc, fc.option(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...JSON_TYPES) }, fc.constantFrom(...NOT_JSON_CHARSETS)), { nil: undefined }), fc.boolean()).map(([d, type, absent]) => ({
    headers: type === undefined ? [] : [['content-type', type]],
    body: absent && d === undefined ? undefined : utf8(d === undefined ? '' : render(d)),
  })));

export const rotateBody = jsonPayload(fc.oneof(fc.constant(undefined), fc.constant({}), fc.record({ overlapSeconds: fc.oneof(fc.integer({ min: -1, max: 700_000 }), fc.constantFrom(1.5, 1e21, '60', null)) }), junk));
// resumeAfter: base64url text (what the API answers, of any key), other text, or junk.
const resumeCursor = fc.oneof(fc.string({ maxLength: 80 }).map((t) => Buffer.from(t).toString('base64url')), fc.string({ maxLength: 20 }), junk);
export const recoverBody = jsonPayload(fc.oneof(fc.record({ since: fc.oneof(iso, junk), until: fc.oneof(iso, junk), resumeAfter: resumeCursor }, { requiredKeys: ['since'] }), fc.constant({}), junk));
export const anyBody = fc.oneof({ weight: 3, arbitrary: fc.constant<Payload>({ headers: [] }) }, jsonPayload(junk));
