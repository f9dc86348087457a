/**
 * Responses built from a string (json(), problem details) remember it, so an adapter sends the
 * string instead of reading the Response's body stream back: on Node 20, reading a short body
 * through undici's stream costs about 8 µs per request, more than building the Response did.
 * Any other Response (a stream, bytes, one rebuilt by middleware) is read the standard way.
 */
const texts = new WeakMap<Response, string>();

export function textResponse(text: string, init: ResponseInit): Response {
  const res = new Response(text, init);
  texts.set(res, text);
  return res;
}

/** The text a Response was built from by textResponse; undefined for any other Response. */
export const builtText = (res: Response): string | undefined => texts.get(res);

/** A Response's body bytes, undefined when it has none. */
export async function responseBytes(res: Response): Promise<Uint8Array | undefined> {
  const text = texts.get(res);
  if (text !== undefined) return Buffer.from(text, 'utf8');
  return res.body === null ? undefined : new Uint8Array(await res.arrayBuffer());
}
