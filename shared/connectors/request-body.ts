/**
 * A request body as fetch takes it. Plain objects and arrays become JSON; forms, text and bytes go
 * as they are (fetch sets the form's content type itself).
 */
export function encodeBody(body: unknown): { body?: BodyInit; contentType?: string } {
  if (body === undefined || body === null) return {};
  if (typeof body === 'string' || body instanceof URLSearchParams || body instanceof Uint8Array || body instanceof ArrayBuffer || body instanceof Blob) {
    return { body: body as BodyInit };
  }
  return { body: JSON.stringify(body), contentType: 'application/json' };
}
