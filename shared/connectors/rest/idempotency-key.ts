import { createHash } from 'node:crypto';
import type { CloudEvent } from '../../events/cloudevent';
import { tenantOf } from '../../events/tenant';

/**
 * The idempotency key of one event at one destination: the same on every redelivery of the event
 * (so the vendor folds the repeats into one effect), different for another destination receiving
 * the same event, and for another event. An event is its tenant, source and id together (ids are
 * unique per source only, and tenants choose their own): two events sharing a key would have the
 * vendor answer the second with the first one's result, without acting on it. Shaped as a UUID
 * (RFC 9562 version 8, built from SHA-256) because many APIs that take an `Idempotency-Key`
 * header expect one (https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/).
 */
export function idempotencyKey(destination: string, event: CloudEvent): string {
  // JSON keeps the parts apart whatever they hold.
  const identity = JSON.stringify([destination, tenantOf(event), event.source, event.id]);
  const h = createHash('sha256').update(identity, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
