/**
 * Byte-stream plumbing shared by every parser: the size cap that stops reading as soon as a
 * report passes `maxBytes`, and the replay of bytes already read for format detection.
 */
import { ReportError } from '../types';

/**
 * Passes chunks through until more than `maxBytes` have arrived, then throws report_too_large.
 * Throwing inside the caller's `for await` calls the source's `return()`, which closes the
 * underlying stream (an S3 GetObject body, a file stream): nothing past the cap is read.
 */
export async function* limitBytes(body: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.byteLength;
    if (seen > maxBytes) throw new ReportError('report_too_large', `Report exceeds the limit of ${maxBytes} bytes`);
    yield chunk;
  }
}

/**
 * A source read a few chunks at a time (for detection) and then replayed whole: `take()` reads
 * the next chunk and remembers it; `replay()` yields the remembered chunks, then the rest.
 */
export class PeekableBytes {
  private readonly seen: Uint8Array[] = [];
  private readonly it: AsyncIterator<Uint8Array>;
  private done = false;

  constructor(body: AsyncIterable<Uint8Array>) {
    this.it = body[Symbol.asyncIterator]();
  }

  /** The next chunk (remembered for replay), or undefined at the end of the stream. */
  async take(): Promise<Uint8Array | undefined> {
    if (this.done) return undefined;
    const next = await this.it.next();
    if (next.done === true) {
      this.done = true;
      return undefined;
    }
    this.seen.push(next.value);
    return next.value;
  }

  /** Stops the source early (detection refused the report). */
  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
    this.done = true;
  }

  /** Every chunk from the first; closes the source if the consumer stops early. */
  async *replay(): AsyncGenerator<Uint8Array> {
    try {
      for (const chunk of this.seen.splice(0)) yield chunk;
      while (!this.done) {
        const next = await this.it.next();
        if (next.done === true) this.done = true;
        else yield next.value;
      }
    } finally {
      await this.close();
    }
  }
}
