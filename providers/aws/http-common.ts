import { builtText, responseBytes } from '../../shared/http/response-body';

/**
 * Pieces both API Gateway payload versions share: the request URL, the raw body bytes and the
 * response body encoding. Kept apart so http-v1.ts and http-v2.ts stay one converter each.
 */

/** Methods that carry no body (the Request constructor rejects one for GET and HEAD). */
const NO_BODY = new Set(['GET', 'HEAD']);

/**
 * The Host header reaches the URL constructor, so a forged one ("evil/x", "a@b") could move the
 * path or add credentials: accept only a host name or address with an optional port.
 */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function requestUrl(headers: Headers, path: string, query: string): string {
  const host = headers.get('host') ?? '';
  // API Gateway sets X-Forwarded-Proto; a client can only add values after the first one.
  const forwarded = headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const scheme = forwarded === 'http' ? 'http' : 'https';
  // `?` and `#` cannot be part of a path on the wire: keep them from starting a query or fragment.
  const safePath = (path.startsWith('/') ? path : `/${path}`).replace(/[?#]/g, encodeURIComponent);
  return `${scheme}://${SAFE_HOST.test(host) ? host : 'localhost'}${safePath}${query ? `?${query}` : ''}`;
}

/**
 * A header value as a Web Headers value, which holds one byte per character. API Gateway hands
 * header values over as text decoded from UTF-8 (U+FFFD where the bytes were not UTF-8), and a
 * character above U+00FF makes the Headers constructor throw: a request with a city a CDN added
 * (cf-ipcity "Srīperumbūdūr") or a name in a header would end in a 500 before any handler ran.
 * Such a value is carried as its UTF-8 bytes, one Latin-1 character each, which is how Node's own
 * HTTP server (serverless-offline) presents the same bytes. Values within Latin-1 stay as they are.
 */
const BEYOND_LATIN1 = /[\u0100-\uffff]/;
export const headerValue = (value: string): string =>
  BEYOND_LATIN1.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;

/**
 * The path without the stage segment an HTTP API puts in front of it (payload 2.0 `rawPath`, and
 * payload 1.0 `path` of an HTTP API) when the request named a stage ("/prod/webhooks/x"); the
 * HTTP API has no stage prefix on any cloud (DESIGN.md section 3). "$default" is served at the
 * root and has none. REST API events carry `path` without the stage: not for them.
 */
export function withoutStage(path: string, stage: string | undefined): string {
  if (!stage || stage === '$default') return path;
  if (path.startsWith(`/${stage}/`)) return path.slice(stage.length + 1);
  return path === `/${stage}` ? '/' : path;
}

/**
 * The raw body bytes, as signature checks need them: base64 decoded when API Gateway says so
 * (binary media types), else the UTF-8 bytes of the text. Never parsed.
 *
 * Decoded by Buffer.from, once: Buffer.from on a string always allocates plain ArrayBuffer memory
 * (the cast only says so to TypeScript), and the Request copies what it is given anyway. The copy
 * into a new Uint8Array that was here cost about 2 µs per 9 KB base64 body (every body on AWS).
 */
export function bodyBytes(method: string, body: string | null | undefined, isBase64: boolean | undefined): Uint8Array<ArrayBuffer> | undefined {
  if (NO_BODY.has(method.toUpperCase()) || body == null) return undefined;
  return Buffer.from(body, isBase64 ? 'base64' : 'utf8') as Uint8Array<ArrayBuffer>;
}

/** Media types API Gateway can pass through as text; everything else goes back base64 encoded. */
const TEXTUAL = /^(?:text\/[^;]+|[^;]+\/(?:[^;]*[+.])?(?:json|xml|javascript|ecmascript)|application\/x-www-form-urlencoded)\s*(?:;|$)/i;

export function isTextual(contentType: string | null, contentEncoding: string | null): boolean {
  // A compressed body is binary whatever its media type (gzip'd JSON is not text).
  if (contentEncoding && !/^\s*identity\s*$/i.test(contentEncoding)) return false;
  return contentType !== null && TEXTUAL.test(contentType.trim());
}

/** The response body in Lambda proxy form. */
export async function resultBody(res: Response): Promise<{ body: string; isBase64Encoded: boolean }> {
  const textual = isTextual(res.headers.get('content-type'), res.headers.get('content-encoding'));
  const text = builtText(res);
  if (text !== undefined && textual) return { body: text, isBase64Encoded: false };
  const bytes = (await responseBytes(res)) ?? new Uint8Array(0);
  if (bytes.length === 0) return { body: '', isBase64Encoded: false };
  if (textual) {
    // A textual type whose bytes are not UTF-8 (another charset) would be mangled as text.
    try {
      return { body: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), isBase64Encoded: false };
    } catch {
      /* falls through to base64 */
    }
  }
  return { body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true };
}

/** Response headers except Set-Cookie, which each payload version carries in its own field. */
export function singleHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name !== 'set-cookie') out[name] = value;
  });
  return out;
}
