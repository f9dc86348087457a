import * as z from 'zod/mini';
import { render, type Template, templateProblems } from '../template';
import { asText, templateRefused } from './values';

/**
 * Configured request headers: a map of name -> template. Names are checked at config time; values
 * are checked after rendering, because they come from the event: a value with CR or LF would try
 * to start a header of its own, and one the HTTP client cannot encode would fail every attempt.
 */
export const headersSchema = z._default(z.record(z.string().check(z.minLength(1)), z.string()), {});

/** RFC 9110 section 5.1: a field name is a token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Horizontal tab, visible ASCII and obs-text (RFC 9110 section 5.5); fetch refuses anything else. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const CLIENT_OWNED = 'is set by the HTTP client (framing or hop-by-hop header, RFC 9110 section 7.6.1)';
/** Headers a configuration may not set, and why. */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ...['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authenticate']
    .map((h): [string, string] => [h, CLIENT_OWNED]),
  ['authorization', 'carries credentials: configure them under auth, which keeps them out of errors and logs'],
  ['proxy-authorization', 'carries credentials: configure them under auth, which keeps them out of errors and logs'],
  ['content-type', 'follows the body: set contentType instead'],
]);

/** Why a header name may not be configured, or undefined when it may. */
export function headerNameProblem(name: string, authHeader: string | undefined): string | undefined {
  if (!TOKEN.test(name)) return 'is not a valid header name';
  const lower = name.toLowerCase();
  if (lower === authHeader) return 'is set by auth';
  return REFUSED.get(lower);
}

export function headerProblems(headers: Record<string, string>, authHeader: string | undefined, at: string): string[] {
  const seen = new Set<string>();
  return Object.entries(headers).flatMap(([name, value]) => {
    const why = headerNameProblem(name, authHeader);
    const lower = name.toLowerCase();
    const dup = seen.has(lower) ? 'is given twice (header names ignore case)' : undefined;
    seen.add(lower);
    return [...[why, dup].filter((w) => w !== undefined).map((w) => `${at}.${name}: ${w}`), ...templateProblems(value, `${at}.${name}`)];
  });
}

/** Rendered headers, lower-cased names; a header that renders empty is left out. */
export function renderHeaders(headers: Record<string, string>, event: unknown, at = 'headers'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, t] of Object.entries(headers)) {
    const value = asText(render(t as Template, event)).trim();
    if (!value) continue;
    // The value itself is never quoted: it may be built from a token-like event field.
    if (!FIELD_VALUE.test(value)) throw templateRefused(`${at}.${name}`, 'gave a value a header cannot carry (a control character or a character beyond Latin-1)');
    out[name.toLowerCase()] = value;
  }
  return out;
}
