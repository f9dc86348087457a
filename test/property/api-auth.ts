import fc from 'fast-check';
import { adminOf, type ApiKey, API_KEYS } from './api-world';

/**
 * Authorization headers for requests to the REST API (property test ./api.property.test.ts):
 * valid presentations of the seeded API keys, and presentations that carry no valid key.
 */

/** How the Authorization header was built, and the key it validly carries (if any). */
export interface Auth {
  headers: [string, string][];
  key?: ApiKey;
  label: string;
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
export const headerValue = fc.string({ unit: headerChar, maxLength: 60 });

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
export const auth = fc.oneof({ weight: 4, arbitrary: validAuth(apiKey) }, invalidAuth);
