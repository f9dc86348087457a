/**
 * The HTTP pieces of the CloudEvents HTTP binding 1.0.2 that are not about events themselves:
 * media types (which content mode, is the data JSON, is the charset one JSON allows) and the
 * decoding of `ce-` header values (section 3.1.3.2).
 * https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md
 */

export interface MediaType {
  /** `type/subtype`, lower-cased (media types are case-insensitive, RFC 9110 section 8.3.1). */
  essence: string;
  /** The charset parameter, lower-cased, without quotes; undefined when absent. */
  charset?: string;
}

/** Parses a Content-Type value. Parameters other than charset are kept in the raw value only. */
export function parseMediaType(value: string): MediaType {
  const [essence = '', ...params] = value.split(';');
  const out: MediaType = { essence: essence.trim().toLowerCase() };
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    out.charset = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return out;
}

/**
 * JSON format section 3.1: a media type declares JSON content when, stripped of parameters, its
 * subtype is `json` or ends in `+json` (application/json, application/vnd.api+json, text/json).
 * https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md#31-handling-of-data
 */
export function isJsonMediaType(essence: string): boolean {
  const subtype = essence.split('/')[1] ?? '';
  return subtype === 'json' || subtype.endsWith('+json');
}

/**
 * JSON text is UTF-8 (RFC 8259 section 8.1); US-ASCII is a subset. Any other declared charset
 * cannot be JSON, so the caller answers 415 rather than guessing.
 */
export const isJsonCharset = (charset: string | undefined): boolean =>
  charset === undefined || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Binding section 3.1.3.2, decoding: first undo RFC 7230 section 3.2.6 quoted strings (older
 * senders quoted values with spaces), then one round of percent-decoding, then UTF-8. Invalid
 * UTF-8, including overlong forms such as `%C0%A0`, MUST be rejected: `fatal: true` does that.
 * Raw bytes above 0x7F (Headers hands them over as Latin-1 characters) are taken as the bytes
 * they are, so a sender that skipped encoding but sent UTF-8 is still understood.
 * Returns undefined for a value that cannot be decoded.
 */
export function decodeHeaderValue(value: string): string | undefined {
  const unquoted = unquote(value);
  if (unquoted === undefined) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < unquoted.length; i++) {
    const c = unquoted.charCodeAt(i);
    if (c > 0xff) return undefined;
    if (c !== 0x25) {
      bytes.push(c);
      continue;
    }
    const hex = unquoted.slice(i + 1, i + 3);
    // A bare "%" is not something a conforming sender produces: it MUST encode "%" as %25.
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

/** RFC 7230 section 3.2.6: removes the quotes of quoted strings and resolves quoted-pairs. */
function unquote(value: string): string | undefined {
  if (!value.includes('"')) return value;
  let out = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '"') quoted = !quoted;
    else if (quoted && ch === '\\') {
      i++;
      if (i >= value.length) return undefined;
      out += value[i];
    } else out += ch;
  }
  return quoted ? undefined : out;
}
