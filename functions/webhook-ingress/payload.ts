import { AppError, errors } from '../../shared/errors';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../shared/events/json-depth';

export interface ParsedPayload {
  /** What becomes the event's data. */
  data: unknown;
  /** Whether `data` is JSON (objects, arrays, ...) or text. */
  contentType: 'application/json' | 'text/plain';
}

const UTF8 = new Set(['utf-8', 'utf8', 'us-ascii']);

function mediaType(header: string | null): { type: string; charset: string } {
  const [type = '', ...params] = (header ?? 'application/json').split(';');
  let charset = 'utf-8';
  for (const p of params) {
    const [k, v] = p.split('=').map((x) => x.trim());
    if (k?.toLowerCase() === 'charset' && v) charset = v.replace(/^"|"$/g, '').toLowerCase();
  }
  return { type: type.trim().toLowerCase(), charset };
}

const unsupportedCharset = (charset: string, type: string) =>
  new AppError('unsupported_charset', `Charset ${JSON.stringify(charset)} is not supported for ${type}`, { status: 415 });

/**
 * A byte order mark decides the encoding over the label, as the WHATWG Encoding Standard's
 * "decode" does (https://encoding.spec.whatwg.org/#decode; RFC 2781 section 4.3 for UTF-16):
 * TextDecoder only drops a mark of its own encoding, so `charset=utf-16` (little-endian there)
 * would read Java's big-endian "UTF-16" output, FE FF first, as other characters.
 */
function sniffBom(body: Uint8Array, charset: string): string {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  return charset;
}

/** `sniff`: text only; JSON and forms are UTF-8 whatever mark they start with. */
function decode(body: Uint8Array, label: string, sniff = false): string {
  let decoder: TextDecoder;
  const charset = sniff ? sniffBom(body, label) : label;
  try {
    decoder = new TextDecoder(label, { fatal: true, ignoreBOM: false });
    // A label the platform cannot decode is refused whatever mark follows (utf-32's FF FE 00 00
    // would otherwise pass as UTF-16).
    if (charset !== label) decoder = new TextDecoder(charset, { fatal: true, ignoreBOM: false });
  } catch {
    throw unsupportedCharset(label, 'text');
  }
  try {
    return decoder.decode(body);
  } catch {
    throw errors.badRequest('invalid_encoding', `The body is not valid ${charset}`);
  }
}

const LONE_PERCENT = /%(?![0-9A-Fa-f]{2})/g;

/**
 * URLSearchParams turns percent-escaped bytes that are not UTF-8 (`caf%E9`, Latin-1) into U+FFFD,
 * silently; the same bytes sent raw are refused as invalid_encoding, and so are they escaped.
 * decodeURIComponent throws on exactly those (a `%` without two hex digits is kept as itself by
 * the form parser, so it is escaped first).
 */
function escapesAreUtf8(text: string): boolean {
  for (const field of text.split(/[&=]/)) {
    if (!field.includes('%')) continue;
    try {
      decodeURIComponent(field.replace(LONE_PERCENT, '%25'));
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * `source`: the bytes of `text`, for the depth check's fast bound. A document nested deeper than
 * MAX_JSON_DEPTH is refused here: the bus would fail to serialise it on every retry (json-depth.ts).
 */
function parseJson(text: string, where: string, source?: Uint8Array): unknown {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw errors.badRequest('malformed_body', `${where} is not valid JSON: ${(e as Error).message}`);
  }
  if (nestedDeeperThan(data, MAX_JSON_DEPTH, source)) throw errors.badRequest('malformed_body', `${where} is nested deeper than ${MAX_JSON_DEPTH} levels`);
  return data;
}

/**
 * Parses a verified body by its content type. Called only after the signature check passed on
 * the raw bytes. JSON (also `+json`) must be UTF-8 (RFC 8259 section 8.1; a BOM is ignored);
 * form bodies (Slack, Twilio; GitHub's `payload=<json>` is unwrapped) are UTF-8 or ASCII;
 * text may use any charset the platform can decode. Anything else is 415.
 */
export function parsePayload(body: Uint8Array, contentType: string | null): ParsedPayload {
  const { type, charset } = mediaType(contentType);
  if (type === 'application/json' || type.endsWith('+json')) {
    if (!UTF8.has(charset)) throw unsupportedCharset(charset, type);
    if (body.byteLength === 0) throw errors.badRequest('malformed_body', 'The body is empty');
    return { data: parseJson(decode(body, 'utf-8'), 'The body', body), contentType: 'application/json' };
  }
  if (type === 'application/x-www-form-urlencoded') {
    if (!UTF8.has(charset)) throw unsupportedCharset(charset, type);
    const text = decode(body, 'utf-8');
    const form = new URLSearchParams(text);
    if (text.includes('%') && !escapesAreUtf8(text)) {
      throw errors.badRequest('invalid_encoding', 'A percent-escaped form field is not valid UTF-8');
    }
    const payload = form.get('payload');
    if (payload !== null && form.size === 1) return { data: parseJson(payload, 'The payload field'), contentType: 'application/json' };
    return { data: Object.fromEntries(form), contentType: 'application/json' };
  }
  if (type.startsWith('text/')) return { data: decode(body, charset, true), contentType: 'text/plain' };
  throw errors.unsupportedMediaType(type);
}
