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

/**
 * Reads a request body as raw bytes with a hard limit. A declared Content-Length over the limit
 * is refused before anything is read; a body that grows past the limit while streaming is cut
 * off (readUpTo).
 */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
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
