import { readUpTo } from '../http/body';

/** Body helpers shared by every ObjectStorage implementation and its tests. */

/** A put body as bytes: strings are UTF-8 encoded; a Uint8Array is used as is (no copy). */
export const toBytes = (body: Uint8Array | string): Uint8Array =>
  typeof body === 'string' ? new TextEncoder().encode(body) : body;

/**
 * Reads a stream body to the end. For small objects and tests only: a large report must be
 * consumed chunk by chunk, which is why the port hands out an AsyncIterable.
 */
export async function collectBytes(body: AsyncIterable<Uint8Array>, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
  const { bytes, over } = await readUpTo(body, maxBytes);
  if (over) throw new RangeError(`Object body exceeds ${maxBytes} bytes`);
  return bytes;
}

/**
 * Passes a store's body stream through chunk by chunk, turning an error raised mid-stream (a reset
 * connection, a failed checksum) into the caller's typed error. Breaking out of the loop returns
 * the inner iterator, which destroys a Node Readable and frees its socket.
 */
export async function* guardBody(body: AsyncIterable<Uint8Array>, onError: (e: unknown) => Error): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (e) {
    throw onError(e);
  }
}
