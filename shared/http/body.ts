import { errors } from '../errors';
import { textResponse } from './response-body';

/**
 * Reads a byte stream (a Request or Response body, an object store's body) up to `limit` bytes.
 * Past the limit it stops and cancels the stream, so a sender cannot make us buffer more than
 * `limit`; `over` says whether anything was left unread, and `bytes` holds the first `limit`.
 */
export async function readUpTo(body: AsyncIterable<Uint8Array>, limit: number): Promise<{ bytes: Uint8Array; over: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let over = false;
  // Leaving the loop early returns the iterator, which cancels a web stream or destroys a Node one.
  for await (const value of body) {
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      over = true;
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  if (chunks.length === 1) return { bytes: chunks[0]!, over };
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return { bytes, over };
}

/** The first coding other than identity that a Content-Encoding value lists, if any. */
export function nonIdentityCoding(contentEncoding: string | null): string | undefined {
  if (!contentEncoding) return undefined;
  return contentEncoding.split(',').map((c) => c.trim()).find((c) => c !== '' && c.toLowerCase() !== 'identity');
}

/**
 * Reads a request body as raw bytes with a hard limit. A declared Content-Length over the limit
 * is refused before anything is read; a body that grows past the limit while streaming is cut
 * off (readUpTo).
 *
 * A body with a content coding other than identity is refused (415 `unsupported_content_encoding`,
 * RFC 9110 section 15.5.16, with `Accept-Encoding: identity` per RFC 7694). Signatures are checked
 * on the body bytes, and the platforms disagree on which bytes those are when a body is
 * compressed: API Gateway, the Azure Functions host and serverless-offline hand over the
 * compressed bytes, while the Cloud Functions framework inflates gzip, deflate and br before the
 * function runs (the GCP adapter keeps the header, so the body is refused here too). Refused here,
 * in the core, the answer is one on every cloud, and a webhook's refusal comes after its address
 * allowlist and rate limit and is audited like any other.
 */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const coding = nonIdentityCoding(req.headers.get('content-encoding'));
  if (coding !== undefined) throw errors.unsupportedContentEncoding(coding);
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw errors.payloadTooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const { bytes, over } = await readUpTo(req.body as unknown as AsyncIterable<Uint8Array>, limit);
  if (over) throw errors.payloadTooLarge(limit);
  return bytes;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return textResponse(JSON.stringify(body), { status, headers: Object.assign({}, headers, { 'content-type': 'application/json' }) });
}
