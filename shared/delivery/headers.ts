/**
 * Extra request headers a subscription may add (an API gateway key, a static bearer token ...).
 * They may not override what the delivery itself defines or what the transport owns:
 * - `webhook-*`: the Standard Webhooks id, timestamp and signature;
 * - `ce-*`: CloudEvents binary-mode attributes; we send structured mode (the event is the body),
 *   and a `ce-` header would make a receiver that supports both modes read the wrong one;
 * - the body's framing, encoding and description: every `content-*` header, transfer-encoding;
 * - hop-by-hop and connection control (RFC 9110 section 7.6.1), host, expect, proxy-*: set by the HTTP client;
 * - user-agent: identifies this product to receivers and their allowlists.
 * `authorization` is allowed: a static credential is the usual way receivers behind a gateway
 * authenticate senders, on top of the signature. It is a secret: the API must not echo it back.
 */
export const HEADER_BLOCKLIST: ReadonlySet<string> = new Set([
  'transfer-encoding', 'accept-encoding',
  'host', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'http2-settings',
  'user-agent',
]);
const BLOCKED_PREFIXES = ['webhook-', 'ce-', 'proxy-', 'content-'];

/** RFC 9110 section 5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible ASCII, space and tab. No CR/LF (header injection), no NUL, no other controls, no obs-text. */
const VALUE = /^[\t\x20-\x7e]*$/;
export const MAX_EXTRA_HEADERS = 20;
const MAX_NAME = 128;
const MAX_VALUE = 4096;

export type SanitizedHeaders = { ok: true; headers: Record<string, string> } | { ok: false; problems: string[] };

const blocked = (name: string) => HEADER_BLOCKLIST.has(name) || BLOCKED_PREFIXES.some((p) => name.startsWith(p));

/**
 * Validates untrusted extra headers: names lower-cased, values trimmed as Fetch does. Problems are
 * `path: reason` strings like the routing filter's; they name headers but never echo a value
 * (values are often credentials).
 */
export function sanitizeExtraHeaders(input: unknown, path = 'headers'): SanitizedHeaders {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, problems: [`${path}: must be an object of header names to values`] };
  const entries = Object.entries(input);
  const problems: string[] = [];
  if (entries.length > MAX_EXTRA_HEADERS) problems.push(`${path}: at most ${MAX_EXTRA_HEADERS} headers`);
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [rawName, rawValue] of entries) {
    const at = `${path}[${JSON.stringify(rawName.slice(0, MAX_NAME))}]`;
    const name = rawName.toLowerCase();
    if (!TOKEN.test(rawName) || rawName.length > MAX_NAME) problems.push(`${at}: not a valid header name`);
    else if (blocked(name)) problems.push(`${at}: may not be set, the delivery sets it`);
    else if (seen.has(name)) problems.push(`${at}: given twice (names are case-insensitive)`);
    seen.add(name);
    if (typeof rawValue !== 'string') {
      problems.push(`${at}: the value must be a string`);
      continue;
    }
    const value = rawValue.replace(/^[\t ]+|[\t ]+$/g, '');
    if (!VALUE.test(value)) problems.push(`${at}: the value may hold printable ASCII only (no CR, LF or other control characters)`);
    else if (value.length > MAX_VALUE) problems.push(`${at}: the value is longer than ${MAX_VALUE} characters`);
    out.push([name, value]);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, headers: Object.fromEntries(out) };
}
