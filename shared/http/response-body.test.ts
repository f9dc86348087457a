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

  describe('a built response behaves as a standard Response built from the same text', () => {
    const text = '{"id":"é✓","n":1}';
    const pair = () => ({ ours: textResponse(text, { status: 202, headers: { 'content-type': 'application/json', 'x-a': '1' } }), std: new Response(text, { status: 202, headers: { 'content-type': 'application/json', 'x-a': '1' } }) });
    const outcome = async (p: Promise<unknown>) => p.then((v) => ({ ok: v }), (e: unknown) => ({ error: (e as Error).name }));

    it('is a Response with the same status, headers and default content type', () => {
      const { ours, std } = pair();
      expect(ours).toBeInstanceOf(Response);
      expect([ours.status, ours.ok, [...ours.headers]]).toEqual([std.status, std.ok, [...std.headers]]);
      expect(textResponse('x', { status: 200 }).headers.get('content-type')).toBe(new Response('x').headers.get('content-type'));
    });

    it.each([
      ['text', (r: Response) => r.text()],
      ['json', (r: Response) => r.json()],
      ['arrayBuffer', async (r: Response) => Buffer.from(await r.arrayBuffer()).toString('hex')],
      ['blob', async (r: Response) => (await r.blob()).size],
      ['body stream', async (r: Response) => {
        const chunks: Uint8Array[] = [];
        for await (const chunk of r.body! as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
        return Buffer.concat(chunks).toString('utf8');
      }],
    ])('%s: same value, bodyUsed after it, a second read refused the same way', async (_name, read) => {
      const { ours, std } = pair();
      expect(ours.bodyUsed).toBe(false);
      expect(await outcome(read(ours))).toEqual(await outcome(read(std)));
      expect(ours.bodyUsed).toBe(std.bodyUsed);
      expect(await outcome(read(ours))).toEqual(await outcome(read(std)));
    });

    it('clones like a standard Response: both copies readable, and no clone once the body was used', async () => {
      const { ours, std } = pair();
      const copy = ours.clone();
      expect(builtText(copy)).toBe(text);
      expect([await copy.text(), await ours.text()]).toEqual([await std.clone().text(), await std.text()]);
      // (undici's TypeError comes from Node's realm, not the test's: compare names.)
      const thrown = (f: () => unknown) => { try { f(); return undefined; } catch (e) { return (e as Error).name; } };
      expect(thrown(() => ours.clone())).toBe('TypeError');
      expect(thrown(() => std.clone())).toBe('TypeError');
    });
  });
});
