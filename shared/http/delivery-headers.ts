import type { DeliveryResponse } from './delivery-client';

/** The response headers of ./delivery-client.ts, as undici's request() gives them. */
export type RawHeaders = Record<string, string | string[] | undefined>;

function toHeaders(raw: RawHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) for (const v of [value ?? []].flat()) headers.append(name, v);
  return headers;
}

/** HTTP whitespace (Fetch): what a header value is trimmed of. */
const isHttpSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const HTTP_SPACE_ENDS = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** The value trimmed; the regular expression runs only for the rare value that needs it. */
const trimHttp = (v: string) => (v.length > 0 && (isHttpSpace(v.charCodeAt(0)) || isHttpSpace(v.charCodeAt(v.length - 1))) ? v.replace(HTTP_SPACE_ENDS, '') : v);

/**
 * What Object.fromEntries(toHeaders(raw)) gives, without building the Headers: names sorted,
 * values trimmed of HTTP whitespace, repeats joined by ", " (set-cookie, which Headers lists
 * once per value, keeps its last value).
 */
export function headerRecord(raw: RawHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(raw).sort()) {
    const value = raw[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    let v: string;
    if (typeof value === 'string') v = trimHttp(value);
    else if (value.length > 0) v = lower === 'set-cookie' ? trimHttp(value[value.length - 1]!) : value.map(trimHttp).join(', ');
    else continue;
    // Assigned, `__proto__` would set the record's prototype (a string: ignored) and the header vanish.
    if (lower === '__proto__') Object.defineProperty(out, lower, { value: v, enumerable: true, writable: true, configurable: true });
    else out[lower] = v;
  }
  return out;
}

/**
 * A response whose Headers object is built only when someone reads it. A class: an object
 * literal with a getter is built by a slow path on every response.
 */
export class LazyHeadersResponse implements DeliveryResponse {
  readonly headerRecord: Record<string, string>;
  #raw: RawHeaders;
  #headers: Headers | undefined;
  constructor(readonly status: number, raw: RawHeaders, readonly body: Uint8Array, readonly truncated: boolean, readonly durationMs: number) {
    this.#raw = raw;
    this.headerRecord = headerRecord(raw);
  }
  get headers(): Headers {
    return (this.#headers ??= toHeaders(this.#raw));
  }
}
