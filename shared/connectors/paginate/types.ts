import type { Transport, TransportRequest, TransportResponse } from '../types';

/**
 * One page of a listing. `next` is where the listing continues (a cursor, an offset, a URL): a
 * sync job persists it after handling the page, and a run that fails midway resumes from it.
 * Undefined on the last page.
 */
export interface Page<T> {
  items: T[];
  next?: string;
  response: TransportResponse;
}

export interface PagingBase<T> {
  /** The first page's request (method GET unless set; searches sent as POST should be marked idempotent). */
  request: TransportRequest;
  /** The items of a page's body. */
  items: (body: unknown, response: TransportResponse) => T[];
  /** Stops after this many pages, a guard against a vendor that never ends; default 10,000. */
  maxPages?: number;
}

export const DEFAULT_MAX_PAGES = 10_000;
export type Pages<T> = AsyncGenerator<Page<T>, void, undefined>;
export type { Transport };

/**
 * The request of a later page the vendor linked to: that URL, as linked (its own query, no body),
 * under the first request's terms: method, headers, the caller's abort signal, retry budget,
 * idempotency and expected answer. Dropping them would let a listing the caller aborted, or gave
 * a budget, go on past its first page.
 */
export const linkedRequest = (first: TransportRequest, url: string): TransportRequest => ({ ...first, path: undefined, query: undefined, body: undefined, url });

/** Every item of every page, for callers that need no resume point. */
export async function* eachItem<T>(pages: AsyncIterable<Page<T>>): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) yield* page.items;
}

/** A property path read from a JSON body, e.g. `['response_metadata', 'next_cursor']`. */
export function at(body: unknown, ...keys: string[]): unknown {
  let v = body;
  for (const k of keys) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}
