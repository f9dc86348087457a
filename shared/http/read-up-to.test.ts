import { readUpTo } from './body';

/** The one capped reader behind request bodies, connector responses and object bodies. */
function stream(chunks: string[], onCancel: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(new TextEncoder().encode(chunks[i++]!));
      else c.close();
    },
    cancel: onCancel,
  });
}

test('reads everything under the limit, joined in order', async () => {
  let cancelled = false;
  const { bytes, over } = await readUpTo(stream(['ab', 'cd', 'e'], () => void (cancelled = true)) as unknown as AsyncIterable<Uint8Array>, 5);
  expect([new TextDecoder().decode(bytes), over, cancelled]).toEqual(['abcde', false, false]);
});

test('past the limit: the first `limit` bytes, over, and the stream cancelled without reading the rest', async () => {
  let cancelled = false;
  const chunks = ['abc', 'def', 'ghi', 'never read'];
  const { bytes, over } = await readUpTo(stream(chunks, () => void (cancelled = true)) as unknown as AsyncIterable<Uint8Array>, 4);
  expect([new TextDecoder().decode(bytes), over, cancelled]).toEqual(['abcd', true, true]);
});
