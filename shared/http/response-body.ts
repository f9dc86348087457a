/**
 * Responses built from a string (json(), problem details) remember it, so an adapter sends the
 * string instead of reading the Response's body stream back: on Node 20, reading a short body
 * through undici's stream costs about 8 µs per request, more than building the Response did.
 * Any other Response (a stream, bytes, one rebuilt by middleware) is read the standard way.
 */
const texts = new WeakMap<Response, string>();

/**
 * What a LazyTextResponse's body members read: a standard Response with the same status, headers
 * and text, built the first time something reads the body through the Fetch API.
 */
const full = new WeakMap<Response, Response>();

function materialized(res: Response): Response {
  let real = full.get(res);
  if (!real) {
    real = new Response(texts.get(res)!, { status: res.status, statusText: res.statusText, headers: res.headers });
    full.set(res, real);
  }
  return real;
}

/**
 * A Response whose body is a string known up front, built without its body stream: on Node 20,
 * `new Response(string)` creates a ReadableStream at once, about 15 µs, several times the rest of
 * building a small answer, and the adapters never read that stream (they send the string itself,
 * builtText). Every body member (body, bodyUsed, text, json, arrayBuffer, blob, formData, clone)
 * behaves as on a standard Response: the first read builds one (materialized) and reads it.
 *
 * The body members are accessors and methods defined on the prototype below, not class members:
 * the DOM typings declare `body` and `bodyUsed` as properties, which a subclass cannot turn into
 * accessors in TypeScript.
 *
 * The class is made on the first answer, not when this module loads: naming `Response` makes
 * Node load its whole fetch implementation (about 20 ms on the development machines), and the
 * functions without an HTTP trigger (router, delivery, scheduler, ingest) import this module
 * through the error types but may never build a Response in their life.
 */
let LazyTextResponse: typeof Response | undefined;

function lazyTextResponseClass(): typeof Response {
  const Lazy = class LazyTextResponse extends Response {};
  Object.defineProperties(Lazy.prototype, {
    body: { get(this: Response) { return materialized(this).body; }, configurable: true },
    bodyUsed: { get(this: Response) { return full.get(this)?.bodyUsed ?? false; }, configurable: true },
    text: { value(this: Response) { return materialized(this).text(); }, configurable: true, writable: true },
    json: { value(this: Response) { return materialized(this).json(); }, configurable: true, writable: true },
    arrayBuffer: { value(this: Response) { return materialized(this).arrayBuffer(); }, configurable: true, writable: true },
    blob: { value(this: Response) { return materialized(this).blob(); }, configurable: true, writable: true },
    formData: { value(this: Response) { return materialized(this).formData(); }, configurable: true, writable: true },
    clone: {
      value(this: Response) {
        if (this.bodyUsed) throw new TypeError('Response.clone: the body has already been used');
        return textResponse(texts.get(this)!, { status: this.status, statusText: this.statusText, headers: new Headers(this.headers) });
      },
      configurable: true,
      writable: true,
    },
  });
  return Lazy;
}

export function textResponse(text: string, init: ResponseInit): Response {
  const res = new (LazyTextResponse ??= lazyTextResponseClass())(null, init);
  // As `new Response(string)` does: a string body without a content type is text/plain.
  if (!res.headers.has('content-type')) res.headers.set('content-type', 'text/plain;charset=UTF-8');
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
