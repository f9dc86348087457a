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
