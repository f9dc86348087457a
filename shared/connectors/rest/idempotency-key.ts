import { createHash } from 'node:crypto';

/**
 * The idempotency key of one event at one destination: the same on every redelivery of the event
 * (so the vendor folds the repeats into one effect), different for another destination receiving
 * the same event. Shaped as a UUID (RFC 9562 version 8, built from SHA-256) because many APIs that
 * take an `Idempotency-Key` header expect one
 * (https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/).
 */
export function idempotencyKey(destination: string, eventId: string): string {
  const h = createHash('sha256').update(`${destination}\n${eventId}`, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
