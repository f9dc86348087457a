import { randomUUID } from 'node:crypto';
import { isAppError } from '../errors';
import { isConnectorError } from './errors';
import { leaseAbort } from './ticket-abort';
import { leaseMs } from './ticket-lease';
import { originField } from './ticket-origin';
import { type Record, write } from './ticket-record';
import { findingEventTime } from './ticket-times';
import type { TicketDeps, TicketRef, TicketRequest, TicketSystem } from './ticket-types';

/**
 * Claims the finding with a lease, creates its ticket and records it (the protocol: tickets.ts).
 * `version`: the record this attempt read (undefined: none), which the lease is written over, so
 * attempts racing here make one ticket. A create the target refused (a 4xx answer, or a failure
 * before any request such as a template that gave no text) made nothing, so its claim is given up
 * at once: a corrected event, or the next attempt, need not wait out the lease. It is given up as
 * an expired lease rather than deleted, written only over this attempt's own lease, so the next
 * attempt still searches the target first. A create whose answer never came (a timeout, a 5xx)
 * may have been applied and keeps its lease. So does one aborted as the lease was about to run out
 * (ticket-abort.ts): the next attempt, once it has, searches the target before creating.
 */
export async function create(system: TicketSystem, deps: TicketDeps, req: TicketRequest, key: string, version: string | undefined, origin: string | undefined, opts?: { replaces: TicketRef }): Promise<TicketRef> {
  const claim = randomUUID();
  const until = deps.clock.now() + leaseMs(req);
  const lease: Record = { state: 'creating', until, eventId: req.event.id, ...opts, ...originField(origin) };
  await write(deps.store, key, lease, version, { newVersion: claim });
  const abort = leaseAbort(deps, until, req.uid);
  let ref: TicketRef;
  try {
    ref = await system.create(req.uid, req.event, { ...opts, signal: abort.signal });
  } catch (e) {
    if (refusedCreate(e)) await deps.store.put(key, JSON.stringify({ ...lease, until: 0 } satisfies Record), { ifVersion: claim });
    throw e;
  } finally {
    abort.end();
  }
  const openedAt = findingEventTime(req.event);
  await deps.store.put(key, JSON.stringify({ state: 'created', ref, applied: [req.event.id], ...(openedAt === undefined ? {} : { openedAt }), ...originField(origin) } satisfies Record));
  return ref;
}

/** A 4xx answer (408, 425 and 429 included: each says the request was not acted on), or our own refusal before sending. */
function refusedCreate(e: unknown): boolean {
  if (isConnectorError(e)) {
    const status = e.facts.vendorStatus;
    return typeof status === 'number' && status >= 400 && status < 500;
  }
  return isAppError(e) && !e.retryable;
}
