import { randomUUID } from 'node:crypto';
import type { InboundRecord } from '../../shared/contracts';
import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { Deps } from '../../shared/ports';
import { claimKey } from './keys';

/**
 * How long a consumer's claim on (event, destination) lasts: as long as one destination takes with
 * every retry it makes (a connector call is at most 4 attempts of 30 s plus 30 s of waits, 150 s,
 * and a destination makes one or two such calls), and at least as long as the router may run on a
 * cloud (AWS 30 s in serverless.yml, Cloud Functions 60 s by default, Azure 5 min in host.json).
 * A consumer that dies while calling leaves its claim behind: the destination gets the event
 * again once the claim has lapsed, so this is also the longest a crash delays it. A claim that
 * lapses while its consumer still calls (a destination slower than this) lets a redelivery call
 * too: at least once, as before.
 */
export const CLAIM_TTL_SECONDS = 300;

/** Beyond a record's deadline, for clocks apart and the platform's own grace before it stops the invocation. */
const DEADLINE_MARGIN_SECONDS = 10;

/**
 * The claim's lifetime for this record: CLAIM_TTL_SECONDS, or less when the platform says when it
 * ends the invocation (a Lambda: 30 s for the router). Past that the consumer cannot be calling any
 * more, so a copy arriving later (SQS after the visibility timeout, Lambda's retry of an
 * asynchronous EventBridge invocation a minute or more later) finds the claim of a consumer that
 * died gone and calls the destination, instead of waiting a claim out until its retries run out.
 */
export function claimTtlSeconds(record: Pick<InboundRecord, 'deadline'>, now: number): number {
  if (record.deadline === undefined || !Number.isFinite(record.deadline)) return CLAIM_TTL_SECONDS;
  const left = Math.ceil((record.deadline - now) / 1000) + DEADLINE_MARGIN_SECONDS;
  return Math.min(CLAIM_TTL_SECONDS, Math.max(DEADLINE_MARGIN_SECONDS, left));
}

/**
 * From this receive of a message on, a claim held by another consumer is taken over instead of
 * waited for. The wait is only safe where the queue can hold the message back until the claim has
 * lapsed (SQS and the local queue: the failure's retryAfterMs; the Azure Storage queue and a
 * Service Bus queue by a delayed copy, providers/azure/router-deferral*.ts, whose receive count
 * goes on from the original's, up to its deferral bound). A Service Bus topic subscription
 * redelivers an abandoned message at once and Pub/Sub after its backoff pace, and so do the
 * others past the deferral bound: a claim left by a consumer that died could outlast every
 * receive they allow (five by default here) and send the event to the dead-letter queue. Before
 * that, at least once wins over at most once, as without a claim: the third receive waits still,
 * the fourth calls.
 */
export const CLAIM_TAKEOVER_RECEIVE = 4;

export interface Claim {
  key: string;
  /** The store version this claim wrote (fresh): a release removes only its own claim. */
  version: string;
}

export type ClaimResult = { claim: Claim; tookOver?: true } | { heldForMs: number };

/**
 * Claims the call of `destination` with `event` for this consumer: a conditional write that only
 * one of two consumers of the same message (a redelivery after the queue's visibility timeout or
 * lease lapsed while the first still works, a duplicate delivery) can make. The other learns how
 * long the claim still holds, to ask its queue for a redelivery after that.
 */
export async function claimDestination(deps: Deps, event: CloudEvent, destination: string, record: Pick<InboundRecord, 'id' | 'receiveCount' | 'deadline'>): Promise<ClaimResult> {
  const key = claimKey(event, destination);
  const version = randomUUID();
  const now = deps.clock.now();
  const ttlSeconds = claimTtlSeconds(record, now);
  const value = JSON.stringify({ messageId: record.id, since: now });
  if (await deps.store.put(key, value, { ifAbsent: true, ttlSeconds, newVersion: version })) return { claim: { key, version } };
  if ((record.receiveCount ?? 0) >= CLAIM_TAKEOVER_RECEIVE) {
    await deps.store.put(key, value, { ttlSeconds, newVersion: version });
    return { claim: { key, version }, tookOver: true };
  }
  const held = await deps.store.get(key);
  // Gone between the two reads (released after a failure, or expired): the next redelivery may take it.
  const left = held?.expiresAt === undefined ? 0 : held.expiresAt - now;
  return { heldForMs: Math.max(0, Math.min(left, CLAIM_TTL_SECONDS * 1000)) };
}

/**
 * Gives a claim up after the destination failed, so the redelivery can call it at once instead of
 * waiting the claim out. Only our own: a claim that lapsed meanwhile may be another consumer's now.
 * (The store has no conditional delete; between the read and the delete our claim would have to
 * lapse and another be taken, minutes after ours was.)
 */
export async function releaseClaim(deps: Deps, claim: Claim): Promise<void> {
  const held = await deps.store.get(claim.key);
  if (held?.version === claim.version) await deps.store.delete(claim.key);
}

/**
 * The record's failure when destinations were being called by another consumer: retryable, and
 * asking for a redelivery once the longest claim has lapsed (by then the other consumer has
 * written its mark, or released its claim after a failure, or died and its claim expired).
 */
export const claimedElsewhere = (names: readonly string[], waitMs: number): AppError =>
  new AppError('destination_in_progress', `Another consumer of this message is delivering it to: ${names.join(', ')}`, {
    status: 503, retryable: true, extra: { destinations: [...names], retryAfterMs: Math.max(1000, waitMs) },
  });
