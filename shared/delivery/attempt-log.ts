import type { PutOptions, StateStore, Write } from '../ports/store';
import { keys } from './keys';
import type { Attempt, Delivery } from './model';

/**
 * A delivery is stored in parts, so that the delivery log lists and recovers without reading
 * what receivers answered:
 * - the record, `dlv:{tenant}:{id}`: status, subscription, event, times, next attempt, last error,
 *   and each attempt without its response (number, time, status or transport error, duration),
 *   a few hundred bytes and under a hundred more per attempt. Listing, recovery and the engine
 *   read it;
 * - each attempt's response larger than INLINE_CHARS, `dlvres:{tenant}:{id}:{n}`: its headers
 *   and the first 20 KB of its body, written in the same atomic write as the record that counts
 *   the attempt (so a write refused to a worker whose lease ran out leaves no response behind),
 *   and read only for one delivery (GET /deliveries/{id}). Kept for responseTtlSeconds
 *   (engine/deps.ts).
 * With every response in the record, a page of 30 failed deliveries of 8 attempts read up to
 * 30 x 8 x 20 KB. Most answers are a status and a few headers, though: those stay in the record,
 * which then costs one write per attempt as before, and a page at most 30 x 8 x INLINE_CHARS.
 * Records written before responses moved out hold large ones inline: they are read whole, as
 * they always were, and the next write of the engine or the API moves them out (MAX_MOVED per
 * write).
 */
export type AttemptResponse = Pick<Attempt, 'responseBody' | 'responseHeaders'>;

/** Responses moved out per write: it has a few writes of its own, and a batch takes 25 (MAX_BATCH_WRITES). */
export const MAX_MOVED = 16;

/**
 * Characters of a response (body and header names and values) kept in the record: a typical
 * answer (`date`, `content-length`, `connection`, a short body) is a fifth of it. Larger ones are
 * written apart, so an attempt adds at most this much to what listing a record reads.
 */
export const INLINE_CHARS = 1024;

const hasResponse = (a: Attempt): boolean => a.responseBody !== undefined || a.responseHeaders !== undefined;

/** Is the response of `a` larger than the record keeps (a rough count of its JSON, with no serialising)? */
function movesOut(a: Attempt): boolean {
  if (!hasResponse(a)) return false;
  let chars = a.responseBody?.length ?? 0;
  if (chars > INLINE_CHARS) return true;
  const headers = a.responseHeaders;
  if (headers) for (const name in headers) chars += name.length + headers[name]!.length + 6;
  return chars > INLINE_CHARS;
}

function withoutResponse(a: Attempt): Attempt {
  const { responseBody: _body, responseHeaders: _headers, ...rest } = a;
  return rest;
}

/** The response members of an attempt, those it has. */
function responseOf(a: Attempt): AttemptResponse {
  const out: AttemptResponse = {};
  if (a.responseBody !== undefined) out.responseBody = a.responseBody;
  if (a.responseHeaders !== undefined) out.responseHeaders = a.responseHeaders;
  return out;
}

/**
 * The writes that store `record` under `key`: the record without the large responses its attempts
 * hold (the first MAX_MOVED of them; any more stay inline until the next write), and those
 * responses. A record whose responses are all small is one write.
 */
export function recordWrites(key: string, record: Delivery, opts: PutOptions, responseTtlSeconds: number): Write[] {
  let moved = 0;
  for (const a of record.attempts) if (movesOut(a)) moved += 1;
  if (moved === 0) return [{ key, value: JSON.stringify(record), opts }];
  const writes: Write[] = [];
  moved = 0;
  const attempts = record.attempts.map((a) => {
    if (moved === MAX_MOVED || !movesOut(a)) return a;
    moved += 1;
    writes.push({ key: keys.attemptResponse(record.tenant, record.id, a.n), value: JSON.stringify(responseOf(a)), opts: { ttlSeconds: responseTtlSeconds } });
    return withoutResponse(a);
  });
  return [{ key, value: JSON.stringify({ ...record, attempts }), opts }, ...writes];
}

/**
 * The delivery with the responses of its attempts, as GET /deliveries/{id} shows it: a response
 * kept inline (a small one, or any in a record written before they moved out) as it is, the
 * others read in one listing.
 * An attempt whose response is gone (it outlived its TTL, or had none: a timeout) shows without.
 */
export async function withResponses(store: StateStore, delivery: Delivery): Promise<Delivery> {
  if (delivery.attempts.every(hasResponse)) return delivery;
  const prefix = keys.attemptResponses(delivery.tenant, delivery.id);
  const found = new Map<number, AttemptResponse>();
  let after: string | undefined;
  do {
    const page = await store.list(prefix, { limit: 1000, after });
    for (const item of page.items) found.set(Number(item.key.slice(prefix.length)), responseOf(JSON.parse(item.value) as Attempt));
    after = page.next;
  } while (after !== undefined);
  if (found.size === 0) return delivery;
  const attempts = delivery.attempts.map((a) => {
    const response = hasResponse(a) ? undefined : found.get(a.n);
    return response === undefined ? a : { ...a, ...response };
  });
  return { ...delivery, attempts };
}
