import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * Newline-delimited JSON (https://github.com/ndjson/ndjson-spec, the same as JSON Lines) read from
 * a byte stream, gzipped or not, one line at a time: a vendor's bulk export or a report of any size
 * passes through a few chunks of memory. Lines are split on the LF byte (never part of a
 * multi-byte UTF-8 sequence); a CR before it and blank lines are ignored. Line numbers count every
 * line, from 1.
 */
export type NdjsonProblem = 'not_gzip' | 'too_large' | 'line_too_long';

export class NdjsonError extends Error {
  constructor(readonly problem: NdjsonProblem, readonly line: number, cause?: unknown) {
    super(`${problem} at line ${line}`, { cause });
    this.name = 'NdjsonError';
  }
}

export interface NdjsonLine {
  n: number;
  text: string;
}

/** The gzip member header's magic bytes (RFC 1952 section 2.3.1). */
const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const isZlibError = (e: unknown) => typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('Z_');

/**
 * The head already read, then the rest of the source. A reader that stops early (a cap reached,
 * a bad line, a break) ends the source too, as a for-await over it would: a file stream or
 * socket left open holds its descriptor until the process ends.
 */
async function* rest(first: Uint8Array, it: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  let reading = false;
  try {
    if (first.length > 0) yield first;
    reading = true;
    // for-await returns the source on an early stop, and leaves one that ended or failed alone.
    for await (const chunk of { [Symbol.asyncIterator]: () => it }) yield chunk;
  } finally {
    if (!reading) await it.return?.();
  }
}

/**
 * The bytes, gunzipped (node:zlib, streaming) when they start as gzip: a file served with
 * `Content-Encoding: gzip` arrives already decoded by fetch. Past `maxBytes` of inflated output
 * it stops with `too_large`, so a small compressed body cannot expand without bound.
 */
export async function* inflated(chunks: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const r = await it.next();
    if (r.done) break;
    head = Buffer.concat([head, r.value]);
  }
  if (!isGzip(head)) {
    yield* rest(head, it);
    return;
  }
  const gunzip = createGunzip();
  // pipeline destroys both ends on an error or an early return, and passes a source error on.
  pipeline(Readable.from(rest(head, it)), gunzip, () => undefined);
  let size = 0;
  for await (const chunk of gunzip as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new NdjsonError('too_large', 0);
    yield chunk;
  }
}

/** The non-blank lines of a byte stream, each at most `maxLineBytes` long. */
export async function* ndjsonLines(chunks: AsyncIterable<Uint8Array>, maxLineBytes: number): AsyncGenerator<NdjsonLine> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let n = 0;
  const line = (): NdjsonLine => {
    n += 1;
    const text = Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
    parts = [];
    size = 0;
    return { n, text };
  };
  try {
    for await (const value of chunks) {
      const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      let start = 0;
      for (let lf = chunk.indexOf(10, start); lf !== -1; lf = chunk.indexOf(10, start)) {
        if (size + lf - start > maxLineBytes) throw new NdjsonError('line_too_long', n + 1);
        parts.push(chunk.subarray(start, lf));
        start = lf + 1;
        const l = line();
        if (l.text.trim() !== '') yield l;
      }
      size += chunk.length - start;
      if (size > maxLineBytes) throw new NdjsonError('line_too_long', n + 1);
      if (start < chunk.length) parts.push(chunk.subarray(start));
    }
  } catch (e) {
    // Failures upstream (corrupt gzip, the inflation cap) are reported at the line being read.
    if (e instanceof NdjsonError) throw e.line === 0 ? new NdjsonError(e.problem, n + 1) : e;
    throw isZlibError(e) ? new NdjsonError('not_gzip', n + 1, e) : e;
  }
  if (size > 0) {
    const l = line();
    if (l.text.trim() !== '') yield l;
  }
}
