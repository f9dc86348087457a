import type { Readable } from 'node:stream';

const EMPTY = new Uint8Array(0);

/**
 * Reads at most `cap` bytes, then destroys the stream (undici drops that socket rather than drain
 * it). Plain stream events, not an async iterator: the iterator's promise per chunk and its
 * bookkeeping cost more than the typical webhook answer, which is empty or a few bytes.
 */
export function readCapped(body: Readable, cap: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (truncated: boolean) => {
      body.off('data', onData);
      // A copy: the chunks are views into undici's socket reads.
      const bytes = chunks.length === 0 ? EMPTY : Buffer.concat(chunks);
      resolve({ bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), truncated });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk.subarray(0, Math.max(0, cap - size)));
      size += chunk.length;
      if (size > cap) {
        done(true);
        body.destroy();
      }
    };
    body.on('data', onData).once('end', () => done(false)).once('error', reject);
  });
}
