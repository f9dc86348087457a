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

/** A form name or value: `+` is a space, then percent-decoding; undefined where it is malformed. */
function decodeComponent(text: string): string | undefined {
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * The name/value pairs of a form body as the WHATWG urlencoded parser reads it, by hand: it is
 * the hot path of this scheme and URLSearchParams costs several times more. A malformed escape
 * (which URLSearchParams keeps literally and decodeURIComponent refuses) falls back to it.
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

/**
 * Form parameters as Twilio signs them: names in code-unit order (as Array.prototype.sort and
 * URLSearchParams.sort order them), each followed by its value; a repeated name contributes
 * each distinct value once, sorted, as twilio-node does for array values.
 */
export function formData(body: Uint8Array): string {
  const pairs = formPairs(utf8.decode(body)).sort(byName); // stable: one name's values stay together
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
