import { AppError } from '../errors';
import { ConnectorError } from './errors';
import type { QueryValue } from './types';

/**
 * Joins baseUrl and a request path so that nothing a caller or a vendor supplies can leave the
 * base: paths are relative to the base path and may not hold dot segments (also percent-encoded:
 * the WHATWG URL parser turns `%2e%2e` into `..`), query or fragment, backslashes or control
 * characters; absolute and protocol-relative URLs are refused. Absolute URLs the vendor hands back
 * (next-page links) must have the base's origin (sameOriginUrl).
 */
const invalid = (connector: string, reason: string) =>
  new ConnectorError('connector_invalid_request', `${connector}: refused request path (${reason})`, { connector, reason });

export function parseBaseUrl(connector: string, baseUrl: string): URL {
  const url = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw invalid(connector, 'baseUrl must be an absolute http(s) URL');
  if (url.username || url.password) throw invalid(connector, 'baseUrl must not carry credentials');
  if (url.search || url.hash) throw invalid(connector, 'baseUrl must not have a query or fragment');
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

const decode = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

/** Whether a segment, even decoded by a lenient server, could climb out of the base path. */
const climbs = (segment: string) => {
  const decoded = decode(segment);
  return decoded === undefined || decoded.split(/[/\\]/).some((part) => part === '.' || part === '..');
};

export function joinPath(connector: string, base: URL, path: string): URL {
  if (!path.startsWith('/') || path.startsWith('//')) throw invalid(connector, 'path must start with a single /');
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\\?#\u0000-\u001f\u007f]/.test(path)) throw invalid(connector, 'path must not hold \\, ?, # or control characters');
  if (path.split('/').slice(1).some(climbs)) throw invalid(connector, 'path must not hold dot segments');
  // A root base reads back as "/" (the URL parser's empty path), hence the trim.
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = new URL(base.origin);
  url.pathname = `${prefix}${path}`;
  if (url.origin !== base.origin || !url.pathname.startsWith(`${prefix}/`)) throw invalid(connector, 'path leaves baseUrl');
  return url;
}

/** A vendor-supplied absolute (or relative-reference) URL, accepted only on the base's origin. */
export function sameOriginUrl(connector: string, base: URL, link: string | URL, against: URL = base): URL {
  const text = String(link);
  const url = URL.canParse(text, against) ? new URL(text, against) : undefined;
  if (!url || url.origin !== base.origin || url.username || url.password) {
    throw new ConnectorError('connector_link_refused', `${connector}: refused a link to another origin than the baseUrl`, {
      connector, origin: url?.origin,
    });
  }
  url.hash = '';
  return url;
}

export function appendQuery(url: URL, query: Record<string, QueryValue> | undefined): URL {
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
  }
  return url;
}

/**
 * A lone UTF-16 surrogate (valid in JSON: `"a\ud800b"`) is not Unicode text: no URL can carry it,
 * and encodeURIComponent throws a URIError on it. With the `u` flag a paired surrogate reads as
 * one code point, so only lone ones match.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a value from an event cannot be one path segment (as `gave a value ...`), or undefined when
 * it can: a lone surrogate, or a `.` or `..` segment, which joinPath refuses (also when a lenient
 * server would decode `%2F`). Checked before anything is done for the event, so the refusal is
 * final and costs nothing (an identity action's limit, a retry).
 */
export function segmentProblem(value: string): string | undefined {
  if (LONE_SURROGATE.test(value)) return 'gave a value with a lone UTF-16 surrogate (no URL can carry one)';
  if (value.split(/[/\\]/).some((part) => part === '.' || part === '..')) return 'gave a value with a dot segment';
  return undefined;
}

/** `value` percent-encoded as one path segment; one with a lone surrogate is refused for good (422). */
export function encodeSegment(value: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new AppError('template_refused', 'A value for a request path has a lone UTF-16 surrogate, which no URL can carry; the event cannot name a record with it', {
      status: 422, retryable: false,
    });
  }
  return encodeURIComponent(value);
}

/**
 * Tagged template for request paths: every interpolated value is percent-encoded as one segment,
 * so an issue key or user id cannot add segments. `path\`/rest/api/3/issue/${key}\``.
 */
export function path(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeSegment(String(values[i])) : ''), '');
}
