import type { Cookie } from '@azure/functions';

/**
 * Set-Cookie headers as the Azure Functions v4 model's `cookies`. The worker sends the host one
 * value per header name (toRpcHttp in @azure/functions copies `headers.entries()` into a map), and
 * a Headers object lists each Set-Cookie apart, so all but the last would be lost; joining them
 * with ", " is no way out either, since Expires dates hold commas. The host writes each Cookie as
 * a Set-Cookie header of its own.
 *
 * What the Cookie type cannot carry is dropped: attributes other than Domain, Path, Expires,
 * Max-Age, Secure, HttpOnly and SameSite (Partitioned, Priority). The host percent-encodes the
 * value (`a+b/c=` goes out as `a%2Bb%2Fc%3D`, https://github.com/Azure/static-web-apps/issues/1140),
 * so a value outside letters, digits and `-._~` reaches the client encoded.
 */

const SAME_SITE = new Map<string, Cookie['sameSite']>([['strict', 'Strict'], ['lax', 'Lax'], ['none', 'None']]);

/**
 * One Set-Cookie header value, split as RFC 6265 section 5.2 tells user agents to, attributes a
 * user agent would ignore left out (values kept as written); undefined for a cookie it would
 * ignore (no "=", or an empty name).
 */
export function parseSetCookie(header: string): Cookie | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  const name = pair.slice(0, eq).trim();
  if (eq < 0 || name === '') return undefined;
  const cookie: Cookie = { name, value: pair.slice(eq + 1).trim() };
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : attribute.slice(at + 1).trim();
    if (key === 'domain' && value !== '') cookie.domain = value;
    else if (key === 'path' && value.startsWith('/')) cookie.path = value;
    else if (key === 'expires' && !Number.isNaN(Date.parse(value))) cookie.expires = new Date(Date.parse(value));
    else if (key === 'max-age' && /^-?\d+$/.test(value)) cookie.maxAge = Number(value);
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'samesite' && SAME_SITE.has(value.toLowerCase())) cookie.sameSite = SAME_SITE.get(value.toLowerCase());
  }
  return cookie;
}

/** The response headers without Set-Cookie, and each Set-Cookie as a Cookie. */
export function splitCookies(headers: Headers): { headers: Headers; cookies: Cookie[] } {
  const rest = new Headers(headers);
  rest.delete('set-cookie');
  const cookies = headers.getSetCookie().map(parseSetCookie).filter((c): c is Cookie => c !== undefined);
  return { headers: rest, cookies };
}
