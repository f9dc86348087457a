import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { inflated, NdjsonError, ndjsonLines } from './ndjson';

/** NDJSON over a byte stream (ndjson.ts): line splitting across chunks, gzip detection, the caps. */
async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const text = '{"a":"é"}\r\n\n{"b":2}\n   \n{"c":3}';

test('lines split on LF whatever the chunking (even inside a UTF-8 character); CR and blank lines dropped, numbers kept', async () => {
  const bytes = Buffer.from(text);
  for (const size of [1, 2, 3, 7, bytes.length]) {
    expect(await collect(ndjsonLines(chunksOf(bytes, size), 100))).toEqual([{ n: 1, text: '{"a":"é"}' }, { n: 3, text: '{"b":2}' }, { n: 5, text: '{"c":3}' }]);
  }
});

test('gzip is inflated, even when its magic bytes arrive one at a time; anything else passes unchanged', async () => {
  const gz = gzipSync(text);
  const out = async (b: Uint8Array, size: number) => Buffer.concat(await collect(inflated(chunksOf(b, size), 1_000))).toString();
  expect([await out(gz, 1), await out(gz, gz.length), await out(Buffer.from(text), 1)]).toEqual([text, text, text]);
  expect(await collect(inflated(chunksOf(new Uint8Array(0), 1), 10))).toEqual([]);
});

test('caps: a line past maxLineBytes, inflated output past maxBytes, and corrupt gzip name the line being read', async () => {
  const long = Buffer.from(`{"a":1}\n{"b":"${'x'.repeat(50)}"}\n`);
  await expect(collect(ndjsonLines(chunksOf(long, 4), 40))).rejects.toEqual(new NdjsonError('line_too_long', 2));
  const big = gzipSync(`{"a":1}\n${'{"b":2}\n'.repeat(1_000)}`);
  await expect(collect(ndjsonLines(inflated(chunksOf(big, 64), 100), 100))).rejects.toMatchObject({ problem: 'too_large', line: expect.any(Number) });
  const truncated = gzipSync(`${'{"b":2}\n'.repeat(1_000)}`).subarray(0, 30);
  await expect(collect(ndjsonLines(inflated(chunksOf(truncated, 8), 1e6), 100))).rejects.toMatchObject({ problem: 'not_gzip' });
});

describe('a reader that stops early ends the source stream (a file descriptor or socket is not left open)', () => {
  // Random hex, so that the gzip body too is far larger than what a stream reads ahead.
  const text = `{"a":1}\n{"b":"${randomBytes(50_000).toString('hex')}"}\n{"c":3}\n`;
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-ndjson-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sources: [string, () => Readable][] = [
    ['a file read stream', () => {
      const path = join(dir, 'lines.jsonl');
      writeFileSync(path, text);
      return createReadStream(path, { highWaterMark: 1024 });
    }],
    ['a gzip body', () => Readable.from(chunksOf(gzipSync(text), 1024))],
  ];
  const stops: [string, (lines: AsyncIterable<unknown>) => Promise<unknown>][] = [
    ['a line past the cap', (lines) => collect(lines).catch((e: unknown) => e)],
    ['a break after the first line', async (lines) => { for await (const l of lines) return l; }],
  ];
  test.each(sources.flatMap(([what, make]) => stops.map(([why, stop]) => [what, why, make, stop] as const)))('%s, stopped by %s', async (_what, why, make, stop) => {
    const source = make();
    try {
      const outcome = await stop(ndjsonLines(inflated(source, 1e6), why.includes('cap') ? 1_000 : 1e6));
      expect(outcome).toEqual(why.includes('cap') ? new NdjsonError('line_too_long', 2) : { n: 1, text: '{"a":1}' });
      // A gzip pipeline is taken down over the next turn of the event loop (from memory, no I/O waits in it).
      for (let turn = 0; turn < 10 && !source.destroyed; turn++) await setImmediate();
      expect(source.destroyed).toBe(true);
    } finally {
      source.destroy();
    }
  });
});
