import { errors } from '../../shared/errors';
import { readBody } from '../../shared/http/body';
import { isJsonCharset, parseMediaType } from '../../shared/events/http-headers';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../shared/events/json-depth';

/** Request bodies of the management API are small documents; CloudEvents have their own limits. */
export const MAX_JSON_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The JSON object in a request body: at most 64 KiB (413 `payload_too_large`, checked while
 * reading), UTF-8 JSON (400 `malformed_body`), an object at the top, nested at most
 * MAX_JSON_DEPTH levels (400 `malformed_body`).
 *
 * The Content-Type is not insisted on: `fetch` with a string body sends text/plain and `curl -d`
 * sends a form type, and the body is JSON either way. That is safe because every route needs an
 * Authorization header, which a cross-site form or simple request cannot send. Only a declared
 * charset that JSON cannot be in (RFC 8259 section 8.1: UTF-8) is a 415.
 * `optional`: an empty body is `{}`.
 */
export async function readJsonObject(req: Request, opts: { optional?: boolean } = {}): Promise<Record<string, unknown>> {
  const contentType = req.headers.get('content-type');
  if (contentType !== null && !isJsonCharset(parseMediaType(contentType).charset)) throw errors.unsupportedMediaType(contentType);
  const body = await readBody(req, MAX_JSON_BYTES);
  if (body.byteLength === 0 && opts.optional) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(utf8.decode(body));
  } catch {
    // The parser's message quotes the body; the caller knows what they sent.
    throw errors.badRequest('malformed_body', 'The request body is not valid UTF-8 JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw errors.badRequest('malformed_body', 'The request body must be a JSON object');
  }
  // A merge patch recurses into what it is sent: the depth is bounded first (json-depth.ts).
  if (nestedDeeperThan(doc)) throw errors.badRequest('malformed_body', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  return doc as Record<string, unknown>;
}
