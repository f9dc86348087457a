import { createHash, randomBytes } from 'node:crypto';
import { keyPart } from '../store/key-part';
import { isWellFormed } from '../store/text-and-ttl';

/**
 * The state-store layout of the delivery engine. Every key starts with its record kind and the
 * tenant, so a tenant's records are one prefix scan and another tenant's id can never be read by
 * a lookup (the tenant is part of the key, not a field checked afterwards).
 *
 *   sub:{tenant}:{subscriptionId}              Subscription
 *   evt:{tenant}:{eventRef}                    the event, stored once for all its deliveries
 *   dlv:{tenant}:{deliveryId}                  Delivery (status, next attempt, attempts without their responses)
 *   dlvres:{tenant}:{deliveryId}:{n, 6 digits} the response of its attempt n (headers, body), apart so
 *                                              the log lists without reading it (attempt-log.ts)
 *   dlvkey:{tenant}:{subscriptionId}:{eventRef} deliveryId: one delivery per (event, subscription)
 *   due:{epoch ms, 13 digits}:{tenant}:{id}    wake-up index of pending attempts, in time order; an id
 *                                              `unpark:{subscriptionId}:{epoch ms}` is a task of the
 *                                              engine instead (engine/unpark.ts)
 *   brk:{tenant}:{subscriptionId}              circuit breaker state
 *   dlq:{tenant}:{id}                          inbound dead letter, without its raw body
 *   dlqbody:{tenant}:{id}                      its raw body (kept for replay), apart so lists need not read it
 *   dlqix:{tenant}:{digest}                    the dead letter of one failing delivery (its repeats)
 *
 * An event is identified by its source and id together (CloudEvents: "Producers MUST ensure that
 * source + id is unique for each distinct event"), so two sources that both number their events
 * 1, 2, 3 neither overwrite each other's stored event nor share a delivery: see eventRef.
 *
 * Ids are time-ordered (a millisecond timestamp in base 32, then 80 random bits, as ULID does:
 * 26 characters; ids made before took 50 random bits in 20 characters and sort among them),
 * so a prefix scan lists records oldest first and a cursor is simply the last key seen.
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function sortableId(prefix: string, now: number, random: (n: number) => Uint8Array = randomBytes): string {
  let time = '';
  for (let t = Math.floor(now), i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32]! + time;
  // 80 random bits as 16 characters of 5 bits each (one character per byte would keep only 5 of its 8 bits).
  let rand = '';
  let bits = 0;
  let pending = 0;
  for (const b of random(10)) {
    pending = (pending << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rand += CROCKFORD[(pending >> bits) & 31]!;
    }
    pending &= (1 << bits) - 1;
  }
  return `${prefix}${time}${rand}`;
}

/**
 * The key part of an event: a digest of its source, then its id (keyPart: a digest when too long
 * for a store key). Records written before the source was stored have none and keep their event
 * under the id alone.
 */
export function eventRef(source: string | undefined, id: string): string {
  if (source === undefined) return id;
  return `${sourceDigest(source)}:${keyPart(id)}`;
}

/**
 * The digest part of eventRef, kept per source: a process sees a handful of sources, and hashing
 * one again for every delivery attempt cost more than the rest of building its keys. A pure
 * function of the text, so a kept answer is never stale; bounded against a flood of sources.
 */
const sourceDigests = new Map<string, string>();
const MAX_SOURCES = 1000;

function sourceDigest(source: string): string {
  let digest = sourceDigests.get(source);
  if (digest === undefined) {
    digest = sourceHash(source).digest('base64url').slice(0, 16);
    if (sourceDigests.size >= MAX_SOURCES) sourceDigests.delete(sourceDigests.keys().next().value!);
    sourceDigests.set(source, digest);
  }
  return digest;
}

/**
 * SHA-256 of the source's UTF-8, or for a source with a lone surrogate (which UTF-8 cannot encode:
 * Node writes U+FFFD for it, so `a\uD800`, `a\uDBFF` and `a\uFFFD` would be one source, each
 * other's stored event) of a 0xFF byte and its UTF-16 code units: 0xFF never occurs in UTF-8, so
 * no other source hashes the same input. As keyPart digests such an id (store/key-part.ts).
 */
function sourceHash(source: string) {
  const hash = createHash('sha256');
  if (isWellFormed(source)) return hash.update(source, 'utf8');
  return hash.update(Buffer.from([0xff])).update(Buffer.from(source, 'utf16le'));
}

/** Tenant names and ids may not contain the separator; the API validates them before any lookup. */
export const SAFE_PART = /^[A-Za-z0-9_.-]{1,128}$/;

const dueTime = (at: number) => String(Math.max(0, Math.floor(at))).padStart(13, '0');

export const keys = {
  subscriptions: (tenant: string) => `sub:${tenant}:`,
  subscription: (tenant: string, id: string) => `sub:${tenant}:${id}`,
  event: (tenant: string, ref: string) => `evt:${tenant}:${ref}`,
  deliveries: (tenant: string) => `dlv:${tenant}:`,
  delivery: (tenant: string, id: string) => `dlv:${tenant}:${id}`,
  /** The responses of a delivery's attempts, in attempt order. */
  attemptResponses: (tenant: string, id: string) => `dlvres:${tenant}:${id}:`,
  attemptResponse: (tenant: string, id: string, n: number) => `dlvres:${tenant}:${id}:${String(n).padStart(6, '0')}`,
  deliveryOf: (tenant: string, subscriptionId: string, ref: string) => `dlvkey:${tenant}:${subscriptionId}:${ref}`,
  duePrefix: 'due:',
  due: (at: number, tenant: string, id: string) => `due:${dueTime(at)}:${tenant}:${id}`,
  /** The due keys of one tenant at one instant: where a breaker parks the deliveries it holds back. */
  dueAt: (at: number, tenant: string) => `due:${dueTime(at)}:${tenant}:`,
  breaker: (tenant: string, subscriptionId: string) => `brk:${tenant}:${subscriptionId}`,
  deadLetters: (tenant: string) => `dlq:${tenant}:`,
  deadLetter: (tenant: string, id: string) => `dlq:${tenant}:${id}`,
  deadLetterBody: (tenant: string, id: string) => `dlqbody:${tenant}:${id}`,
  deadLetterOf: (tenant: string, digest: string) => `dlqix:${tenant}:${digest}`,
};

/** Parses a due key back into its parts; undefined for anything else. */
export function parseDue(key: string): { at: number; tenant: string; id: string } | undefined {
  const m = /^due:(\d{13}):([^:]+):(.+)$/.exec(key);
  return m ? { at: Number(m[1]), tenant: m[2]!, id: m[3]! } : undefined;
}
