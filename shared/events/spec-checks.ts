import { validateCloudEvent } from './cloudevent';
import { isJsonMediaType, parseMediaType } from './http-headers';

/**
 * What CloudEvents 1.0.2 requires of an event received from outside, on top of the structural
 * checks of validateCloudEvent (kept as it is: mappers and their tests rely on it). These are
 * the spec's type system and attribute constraints, checked where events enter over HTTP.
 * https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md#type-system
 */

/** Attributes only the server sets (DESIGN.md section 3): a client sending them is refused. */
export const RESERVED_ATTRIBUTES = ['tenant', 'origin'] as const;

const CORE = new Set(['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'dataschema']);
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Spec "String": no control characters (U+0000-U+001F, U+007F-U+009F), no unpaired surrogates
 * (iterating by code point, a proper pair is one code point above U+FFFF, a lone half is not),
 * and no Unicode noncharacters (U+FDD0-U+FDEF and the last two code points of every plane).
 */
function isSpecString(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false;
  }
  return true;
}

/** RFC 3986 characters, with percent signs only as `%XX`. Enough to tell a URI from prose. */
const URI_CHARS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** RFC 3339 section 5.6 date-time; the field ranges are checked below. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** RFC 2046 / RFC 9110 media type: token "/" token, then parameters. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(?:;.*)?$/;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const [oh, om] = [Number(m[8] ?? 0), Number(m[9] ?? 0)];
  // Day 0 of the next month; setUTCFullYear, since Date.UTC reads years 0-99 as 1900-1999.
  const last = new Date(0);
  last.setUTCFullYear(y, mo, 0);
  const daysInMonth = last.getUTCDate();
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h <= 23 && mi <= 59 && sec <= 60 && oh <= 23 && om <= 59)) return false;
  // Second 60 is a leap second (RFC 3339 section 5.7), inserted at 23:59:60 UTC only: written
  // with an offset, the local minute is 23:59 shifted by it.
  if (sec !== 60) return true;
  const offset = (m[7] === '-' ? -1 : 1) * (oh * 60 + om);
  return (((h * 60 + mi - offset) % 1440) + 1440) % 1440 === 23 * 60 + 59;
}

/**
 * Sets an attribute as an own property whatever its name. A plain `out[name] = value` with the
 * name `__proto__` (a JSON member or a `ce-__proto__` header) would replace the object's
 * prototype instead: the attribute would vanish from validation and its members would be read
 * through the prototype, then dropped by the next spread.
 */
export function setAttribute(out: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * JSON format section 2.2: `null` means unset, so null attributes are dropped before checking.
 * `data: null` stays: it is an explicit null payload (section 3.1.1).
 */
export function dropNullAttributes(ev: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) if (v !== null || k === 'data') setAttribute(out, k, v);
  return out;
}

/** All problems of an event as `attribute: reason` strings, one per attribute; empty when valid. */
export function eventProblems(e: unknown): string[] {
  const problems = validateCloudEvent(e);
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return problems;
  const ev = e as Record<string, unknown>;
  const seen = new Set(problems.map((p) => p.split(':')[0]));
  const add = (name: string, reason: string) => {
    if (!seen.has(name)) problems.push(`${name}: ${reason}`);
    seen.add(name);
  };
  for (const [name, v] of Object.entries(ev)) {
    if (name === 'data' || name === 'data_base64') continue;
    if (typeof v === 'string' && !isSpecString(v)) add(name, 'control characters, noncharacters and unpaired surrogates are not allowed');
    if (!CORE.has(name) && !isExtensionValue(v)) add(name, 'extension values are strings, 32-bit integers or booleans');
  }
  const str = (name: string) => (typeof ev[name] === 'string' ? (ev[name] as string) : undefined);
  const source = str('source');
  if (source && !URI_CHARS.test(source)) add('source', 'must be a URI-reference (RFC 3986)');
  const time = str('time');
  if (time !== undefined && !isRfc3339(time)) add('time', 'must be an RFC 3339 timestamp');
  if (str('subject') === '') add('subject', 'must be a non-empty string when present');
  const schema = str('dataschema');
  if (schema !== undefined && !(ABSOLUTE_URI.test(schema) && URI_CHARS.test(schema))) add('dataschema', 'must be an absolute URI (RFC 3986)');
  const dct = str('datacontenttype');
  if (dct !== undefined && !MEDIA_TYPE.test(dct)) add('datacontenttype', 'must be a media type such as application/json (RFC 2046)');
  problems.push(...dataProblems(ev, dct));
  return problems;
}

function isExtensionValue(v: unknown): boolean {
  if (typeof v === 'string' || typeof v === 'boolean') return true;
  return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
}

/**
 * The extension attributes of an event whose values the spec's type system has no place for (an
 * object, an array, a fraction, an integer beyond 32 bits), as `name: reason` strings. `null` is
 * JSON's "unset" (JSON format section 2.2) and passes. POST /events refuses such events
 * (eventProblems); the router uses this to treat one that reached its queue another way as poison.
 */
export function extensionValueProblems(ev: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, v] of Object.entries(ev)) {
    if (CORE.has(name) || name === 'data' || name === 'data_base64' || v === null || isExtensionValue(v)) continue;
    problems.push(`${name}: extension values are strings, 32-bit integers or booleans`);
  }
  return problems;
}

/** JSON format section 3.1: `data` and `data_base64` exclude each other; non-JSON data is a string. */
function dataProblems(ev: Record<string, unknown>, dct: string | undefined): string[] {
  const hasData = 'data' in ev && ev.data !== undefined;
  if ('data_base64' in ev && ev.data_base64 !== undefined) {
    if (hasData) return ['data: give data or data_base64, not both'];
    const b = ev.data_base64;
    return typeof b === 'string' && BASE64.test(b) ? [] : ['data_base64: must be a base64 string (RFC 4648)'];
  }
  if (hasData && dct !== undefined && !isJsonMediaType(parseMediaType(dct).essence) && typeof ev.data !== 'string') {
    return ['data: must be a string when datacontenttype is not JSON (or use data_base64)'];
  }
  return [];
}
