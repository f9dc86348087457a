import { errors } from '../../../errors';

/**
 * The two inputs of a Twilio signature besides the token: the URL Twilio requested, tried with
 * and without its port as twilio-node's validateRequest does (removePort, then addPort), and the
 * POST parameters of a form body, sorted by name with each name and value appended.
 * https://www.twilio.com/docs/usage/security#validating-requests
 */

/** `scheme://[userinfo@]host` without a port, the same with the URL's or the default port, and the rest. */
export interface UrlParts {
  bare: string;
  withPort: string;
  rest: string;
}

const ORIGIN = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i;

export function splitUrl(url: string): UrlParts | undefined {
  const m = ORIGIN.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!;
  const authority = m[2]!;
  const at = authority.lastIndexOf('@');
  const hostPort = authority.slice(at + 1);
  // A colon starts the port only after the closing bracket of an IPv6 literal.
  const colon = hostPort.indexOf(':', hostPort.lastIndexOf(']') + 1);
  const bare = scheme + authority.slice(0, at + 1) + (colon === -1 ? hostPort : hostPort.slice(0, colon));
  const port = colon === -1 ? (scheme.toLowerCase() === 'https://' ? ':443' : ':80') : hostPort.slice(colon);
  return { bare, withPort: bare + port, rest: url.slice(m[0].length) };
}

/** The configured public URL, checked once: the query always comes from the request. */
export function configuredUrl(url: string | undefined): UrlParts | undefined {
  if (url === undefined) return undefined;
  if (url.includes('?') || url.includes('#')) {
    throw errors.config('twilio url: give the public URL without query string or fragment; the request query is appended');
  }
  return splitUrl(url);
}

/** The query string of a request URL, `?` included, without a fragment; '' when there is none. */
export function queryOf(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return '';
  const hash = url.indexOf('#', q);
  return hash === -1 ? url.slice(q) : url.slice(q, hash);
}

const utf8 = new TextDecoder();

const hexValue = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);

/**
 * A form name or value: `+` is a space, `%XX` a byte. Escapes of ASCII bytes (what senders
 * escape in practice: `+`, `:`, `%`, `,`) are decoded here, since decodeURIComponent is several
 * times slower than the HMAC this scheme exists for; a malformed escape stays literal, and a
 * string with an escape above 0x7F returns undefined so the caller falls back to URLSearchParams.
 */
function decodeComponent(text: string): string | undefined {
  const pct = text.indexOf('%');
  if (pct === -1) return text.includes('+') ? text.replaceAll('+', ' ') : text;
  const plain = (chunk: string) => (chunk.includes('+') ? chunk.replaceAll('+', ' ') : chunk);
  let out = '';
  let from = 0;
  for (let i = pct; i !== -1; i = text.indexOf('%', from)) {
    const hi = hexValue(text.charCodeAt(i + 1));
    const lo = hexValue(text.charCodeAt(i + 2));
    if (hi === -1 || lo === -1) {
      // A malformed escape stays literal (WHATWG percent-decode).
      out += plain(text.slice(from, i + 1));
      from = i + 1;
      continue;
    }
    if (hi > 7) return undefined;
    // Literal '+' are spaces; a '+' decoded from %2B stays a '+'.
    out += plain(text.slice(from, i)) + String.fromCharCode(hi * 16 + lo);
    from = i + 3;
  }
  return out + plain(text.slice(from));
}

/**
 * The name/value pairs of a form body as the WHATWG urlencoded parser reads it, by hand: it is
 * the hot path of this scheme and URLSearchParams costs several times more. A non-ASCII escape
 * (a UTF-8 sequence) falls back to URLSearchParams.
 */
function formPairs(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (let start = 0, end = 0; start < text.length; start = end + 1) {
    end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end === start) continue;
    const eq = text.indexOf('=', start);
    const split = eq !== -1 && eq < end;
    const name = decodeComponent(text.slice(start, split ? eq : end));
    const value = split ? decodeComponent(text.slice(eq + 1, end)) : '';
    // URLSearchParams drops a leading '?' (a query string), a body keeps it: lead with an empty pair.
    if (name === undefined || value === undefined) return [...new URLSearchParams(`&${text}`)];
    pairs.push([name, value]);
  }
  return pairs;
}

const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** Each name followed by its values: a repeated name contributes each distinct value once, sorted, as twilio-node does for array values. */
function joinSorted(pairs: [string, string][]): string {
  pairs.sort(byName); // stable: one name's values stay together
  let data = '';
  for (let i = 0; i < pairs.length; ) {
    const name = pairs[i]![0];
    let j = i + 1;
    while (j < pairs.length && pairs[j]![0] === name) j++;
    if (j - i === 1) data += name + pairs[i]![1];
    else for (const v of [...new Set(pairs.slice(i, j).map((p) => p[1]))].sort()) data += name + v;
    i = j;
  }
  return data;
}

/**
 * Form parameters as Twilio signs them: names in code-unit order (as Array.prototype.sort and
 * URLSearchParams.sort order them), each followed by its value. The usual form has each name
 * once: its names are sorted by the engine's default string sort (code-unit order, without a
 * comparator call per step), which is most of this scheme's cost; repeated names take joinSorted.
 */
export function formData(body: Uint8Array): string {
  const pairs = formPairs(utf8.decode(body));
  const values = new Map<string, string>();
  const names: string[] = [];
  for (const [name, value] of pairs) {
    if (values.has(name)) return joinSorted(pairs);
    values.set(name, value);
    names.push(name);
  }
  names.sort();
  let data = '';
  for (const name of names) data += name + values.get(name)!;
  return data;
}
