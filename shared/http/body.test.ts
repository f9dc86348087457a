import { nonIdentityCoding, readBody } from './body';
import { AppError } from '../errors';

describe('nonIdentityCoding', () => {
  test.each([[null], [''], ['identity'], [' Identity '], ['identity, IDENTITY'], [' , ']])('%p lists no coding', (value) => {
    expect(nonIdentityCoding(value)).toBeUndefined();
  });

  test.each([['gzip', 'gzip'], ['x-gzip', 'x-gzip'], ['identity, br', 'br'], [' Deflate ', 'Deflate'], ['zstd,gzip', 'zstd']])('%p lists %p', (value, coding) => {
    expect(nonIdentityCoding(value)).toBe(coding);
  });
});

describe('readBody', () => {
  const post = (headers: Record<string, string>, body = '{"a":1}') => new Request('http://localhost/x', { method: 'POST', headers, body });
  const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

  test('a body with a content coding is refused before it is read: 415 unsupported_content_encoding, Accept-Encoding identity', async () => {
    const err = await refusal(readBody(post({ 'content-encoding': 'identity, gzip' }), 1024));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'unsupported_content_encoding', status: 415, headers: { 'accept-encoding': 'identity' } });
    expect((err as AppError).message).toBe('Content-Encoding "gzip" is not supported: send the body uncompressed');
  });

  test('a coding name is quoted in the message at most 64 characters long', async () => {
    const err = (await refusal(readBody(post({ 'content-encoding': 'x'.repeat(5000) }), 1024))) as AppError;
    expect(err.message).toBe(`Content-Encoding "${'x'.repeat(64)}" is not supported: send the body uncompressed`);
  });

  test('identity is the body as sent; the size limit still holds', async () => {
    expect(new TextDecoder().decode(await readBody(post({ 'content-encoding': 'Identity' }), 1024))).toBe('{"a":1}');
    expect(await refusal(readBody(post({}), 3))).toMatchObject({ code: 'payload_too_large', status: 413 });
  });
});
