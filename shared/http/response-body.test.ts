import { json } from './body';
import { errors, problemResponse } from '../errors';
import { builtText, responseBytes, textResponse } from './response-body';

const decode = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

describe('response bodies for adapters', () => {
  it('gives the bytes a built response would stream, non-ASCII included', async () => {
    for (const make of [() => json({ id: 'é✓', n: 1 }, 202), () => problemResponse(errors.badRequest('malformed_body', 'Bad “quote”')), () => textResponse('plain ✓', { status: 200 })]) {
      const streamed = await make().text();
      const res = make();
      expect(builtText(res)).toBe(streamed);
      expect(decode(await responseBytes(res))).toBe(streamed);
      // The stream is left as it was: a caller that reads it still gets the body.
      expect(await res.text()).toBe(streamed);
    }
  });

  it('reads any other response from its stream, and has nothing for a response without a body', async () => {
    const streamed = new Response(new Blob(['from a stream']));
    expect(builtText(streamed)).toBeUndefined();
    expect(decode(await responseBytes(streamed))).toBe('from a stream');
    expect(await responseBytes(new Response(null, { status: 204 }))).toBeUndefined();
    // A response rebuilt from a built one is read from its own stream.
    const rebuilt = new Response(json({ a: 1 }).body, { status: 503 });
    expect(builtText(rebuilt)).toBeUndefined();
    expect(decode(await responseBytes(rebuilt))).toBe('{"a":1}');
  });

  it('keeps the content type and extra headers of json() and problem responses', () => {
    const res = json({ a: 1 }, 201, { location: '/x/1', 'content-type': 'text/plain' });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('location')).toBe('/x/1');
    const problem = problemResponse(errors.badRequest('bad', 'no'));
    expect(problem.headers.get('content-type')).toBe('application/problem+json');
  });
});
