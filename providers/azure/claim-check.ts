import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { stableEventId } from '../../shared/events/ids';
import type { ObjectStorage } from '../../shared/ports';

/**
 * The claim-check pattern for Storage queues, whose messages hold 64 KiB: an event too large for
 * a message is written to a blob, and the message carries only a reference to it. The queue
 * trigger adapter reads the blob back before the router sees the record, so the router gets the
 * same event either way. https://learn.microsoft.com/azure/architecture/patterns/claim-check
 *
 * Blobs are not deleted after use: a message can be delivered again after a crash, and its blob
 * must still be there. A lifecycle rule on the container removes them (README, Azure deploy).
 */
export interface ClaimStore {
  objects: ObjectStorage;
  /** Container of the claim blobs (created by the deploy). */
  container: string;
}

const MARK = 'secorchClaimCheck';

interface Claim {
  [MARK]: { container: string; key: string };
}

/** Writes the event to a blob named after its identity and returns the small message that replaces it. */
export async function checkIn(claims: ClaimStore, event: CloudEvent): Promise<string> {
  const key = `events/${stableEventId(event.source, event.id)}.json`;
  await claims.objects.put(claims.container, key, JSON.stringify(event), { contentType: 'application/cloudevents+json' });
  return JSON.stringify({ [MARK]: { container: claims.container, key } } satisfies Claim);
}

/** The record body a claim message stands for; any other body is returned as it is. */
export async function checkOut(objects: ObjectStorage | undefined, body: string): Promise<string> {
  if (!body.startsWith(`{"${MARK}"`)) return body;
  const claim = (JSON.parse(body) as Claim)[MARK];
  if (!objects) throw new AppError('claim_unavailable', 'A claim-check message arrived, but this runtime has no object storage', { status: 503, retryable: true });
  const bytes = await objects.get(claim.container, claim.key);
  // Retryable: the host retries, then moves the message to the poison queue, where it can be inspected.
  if (!bytes) throw new AppError('claim_missing', `The claim blob ${claim.container}/${claim.key} is missing`, { status: 503, retryable: true });
  return new TextDecoder().decode(bytes);
}
