import { MAX_JSON_BYTES, readJsonObject } from './json';

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request('https://api.example.com/x', { method: 'POST', body, headers });

describe('readJsonObject', () => {
  test('a JSON object whatever the Content-Type says (fetch sends text/plain, curl -d a form type)', async () => {
    await expect(readJsonObject(post('{"a":1}', { 'content-type': 'application/json; charset=utf-8' }))).resolves.toEqual({ a: 1 });
    await expect(readJsonObject(post('{"a":1}', { 'content-type': 'application/merge-patch+json' }))).resolves.toEqual({ a: 1 });
    await expect(readJsonObject(post('\ufeff{"a":1}'))).resolves.toEqual({ a: 1 });
    await expect(readJsonObject(post('{"a":1}', { 'content-type': 'application/x-www-form-urlencoded' }))).resolves.toEqual({ a: 1 });
    const bare = new Request('https://api.example.com/x', { method: 'POST', body: new TextEncoder().encode('{"a":1}') });
    expect(bare.headers.get('content-type')).toBeNull();
    await expect(readJsonObject(bare)).resolves.toEqual({ a: 1 });
  });

  test('400 malformed_body for bad JSON, bad UTF-8 and non-objects; 415 for a charset JSON cannot be in', async () => {
    for (const body of ['{', '', 'null', '[]', '"x"', new Uint8Array([0x7b, 0xff, 0x7d])]) {
      await expect(readJsonObject(post(body as BodyInit))).rejects.toMatchObject({ status: 400, code: 'malformed_body' });
    }
    await expect(readJsonObject(post('{}', { 'content-type': 'application/json; charset=latin1' }))).rejects.toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  test('400 malformed_body for a document nested deeper than 200 levels (a merge patch recurses into it)', async () => {
    const nested = (levels: number) => `{"filter":${'{"a":'.repeat(levels - 1)}1${'}'.repeat(levels - 1)}}`;
    await expect(readJsonObject(post(nested(10_000)))).rejects.toMatchObject({ status: 400, code: 'malformed_body' });
    await expect(readJsonObject(post(nested(201)))).rejects.toMatchObject({ status: 400, code: 'malformed_body' });
    await expect(readJsonObject(post(nested(200)))).resolves.toHaveProperty('filter');
  });

  test('413 over 64 KiB, whether declared or streamed', async () => {
    const big = `{"a":"${'x'.repeat(MAX_JSON_BYTES)}"}`;
    await expect(readJsonObject(post(big))).rejects.toMatchObject({ status: 413, code: 'payload_too_large' });
    const stream = new ReadableStream({ start: (c) => { c.enqueue(new TextEncoder().encode(big)); c.close(); } });
    const streamed = new Request('https://api.example.com/x', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    await expect(readJsonObject(streamed)).rejects.toMatchObject({ status: 413 });
  });

  test('the limit is 64 KiB exactly: a 65,536-byte body is read, 65,537 bytes are 413', async () => {
    // Stated as a number, not as MAX_JSON_BYTES: the test must fail if the constant drifts.
    const sized = (bytes: number) => `{"a":"${'x'.repeat(bytes - 8)}"}`;
    expect(Buffer.byteLength(sized(65_536))).toBe(65_536);
    await expect(readJsonObject(post(sized(65_536)))).resolves.toHaveProperty('a');
    await expect(readJsonObject(post(sized(65_537)))).rejects.toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  test('optional: an empty body is {}', async () => {
    await expect(readJsonObject(post(null), { optional: true })).resolves.toEqual({});
    await expect(readJsonObject(post(''), { optional: true })).resolves.toEqual({});
  });
});
