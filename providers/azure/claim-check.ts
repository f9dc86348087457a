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
/** The blob names checkIn writes: `events/` and a stableEventId (UUID-shaped, version 5 layout). */
const CLAIM_KEY = /^events\/[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.json$/;

interface Claim {
  [MARK]: { container: string; key: string };
}

/** Writes the event to a blob named after its identity and returns the small message that replaces it. */
export async function checkIn(claims: ClaimStore, event: CloudEvent): Promise<string> {
  const key = `events/${stableEventId(event.source, event.id)}.json`;
  await claims.objects.put(claims.container, key, JSON.stringify(event), { contentType: 'application/cloudevents+json' });
  return JSON.stringify({ [MARK]: { container: claims.container, key } } satisfies Claim);
}

/** The claim a body carries, when it is JSON of the claim's shape. */
function claimOf(body: string): Claim[typeof MARK] | undefined {
  try {
    const claim = (JSON.parse(body) as Partial<Claim> | null)?.[MARK];
    return typeof claim?.container === 'string' && typeof claim.key === 'string' ? claim : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The record body a claim message stands for; any other body is returned as it is.
 *
 * A claim is followed only to a blob checkIn could have written: in the claim store's container,
 * under `events/<stable id>.json`. The message is not proof of that: whoever may send to the queue
 * (a queue-scoped SAS, a "Storage Queue Data Message Sender" role) could otherwise name any blob
 * of the host's account, the Functions keys in azure-webjobs-secrets among them, and have the
 * router route its content or keep it as a dead letter readable through /dead-letters. Such a
 * body, or one that is not JSON after the mark, reaches the router as it is, which keeps it as a
 * poison message instead of failing every redelivery.
 */
export async function checkOut(claims: ClaimStore | undefined, body: string): Promise<string> {
  if (!body.startsWith(`{"${MARK}"`)) return body;
  const claim = claimOf(body);
  if (!claim) return body;
  if (!claims) throw new AppError('claim_unavailable', 'A claim-check message arrived, but this runtime has no claim store', { status: 503, retryable: true });
  if (claim.container !== claims.container || !CLAIM_KEY.test(claim.key)) return body;
  const bytes = await claims.objects.get(claim.container, claim.key);
  // Retryable: the host retries, then moves the message to the poison queue, where it can be inspected.
  if (!bytes) throw new AppError('claim_missing', `The claim blob ${claim.container}/${claim.key} is missing`, { status: 503, retryable: true });
  return new TextDecoder().decode(bytes);
}
