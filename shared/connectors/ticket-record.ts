import { MAX_KEY_BYTES, type StateStore } from '../ports/store';
import { keyPart } from '../store/key-part';
import { lostWrite } from './ticket-lease';
import { originField } from './ticket-origin';
import { markerTtlSeconds } from './ticket-times';
import type { TicketDeps, TicketRef, TicketRequest } from './ticket-types';

/**
 * The state-store record of a finding's ticket, kept by the one-ticket-per-finding protocol
 * (tickets.ts). `applied`: the ids of the last events applied, newest last, so a redelivered
 * older event changes nothing either. `resolvedAt` (epoch ms): the time of the latest resolve of
 * the ticket, absent when no resolve carried one or on records written before it was kept.
 * `openedAt` (epoch ms): the time of the latest created or updated event applied (not one of
 * unknown status), absent likewise; readers that do not know it keep it, as they spread the
 * record. `resolved`: the finding was resolved before any ticket was made, by an event of time
 * `at`; a reader that does not know this state takes it for a lapsed lease (searches the target,
 * then creates), as before it existed. `origin` (every state): the origin of the event that wrote
 * the finding's first record, absent on records written before it was kept, or first written by
 * an event without one (ticket-origin.ts). `lease` (a `created` record): an attempt is acting on the
 * ticket (ticket-follow.ts); absent once it has written its outcome. `statusUnknown` (a `created`
 * record): the ticket may be open or closed whatever `resolved` says (a resolve or reopen lapsed,
 * and the attempt after it failed too); absent once a resolve or reopen call has set its status.
 */
export type Owned = { origin?: string };
/**
 * The lease of a follow-up action, held `until` (epoch ms) by the attempt applying event `eventId`.
 * `effect`: what that action sets the ticket to, `resolved` or `open` (a created or updated event
 * reporting the finding open), or `note` (only a comment: a status-unknown event on an open ticket);
 * `at`: that event's time. A lease that lapsed (its attempt died, failed or ran past it) says the
 * ticket may have been set so without the record saying it.
 */
export type Lease = { until: number; eventId: string; effect: 'resolved' | 'open' | 'note'; at?: number };
export type Created = Owned & { state: 'created'; ref: TicketRef; applied: string[]; resolved?: boolean; resolvedAt?: number; openedAt?: number; statusUnknown?: true; lease?: Lease };
/** `replaces` (a `creating` record): the ticket closed for good that the one being created stands in for. */
export type Record = (Owned & { state: 'creating'; until: number; eventId: string; replaces?: TicketRef }) | Created | (Owned & { state: 'resolved'; at: number; eventId: string });
const APPLIED_KEPT = 20;
export const applied = (r: Created, id: string) => [...r.applied.filter((x) => x !== id), id].slice(-APPLIED_KEPT);

/**
 * The state-store key of a finding's ticket record (read back by the ServiceNow sync to tell whose
 * a record is). The uid is the sender's text, of any length: one that would make the key longer than a store
 * holds (MAX_KEY_BYTES) stands as its digest (keyPart), as does one that starts with `~`; every
 * other key is the uid as written, as before.
 */
export const ticketRecordKey = (r: Pick<TicketRequest, 'destination' | 'tenant' | 'uid'>) => {
  const head = `tkt:${r.destination}:${r.tenant}:`;
  return `${head}${keyPart(r.uid, MAX_KEY_BYTES - Buffer.byteLength(head, 'utf8'))}`;
};

/** Records the finding resolved before any ticket was made, by an event of time `at`. */
export async function markResolved(deps: TicketDeps, key: string, req: TicketRequest, at: number, version: string | undefined, origin: string | undefined): Promise<void> {
  await write(deps.store, key, { state: 'resolved', at, eventId: req.event.id, ...originField(origin) }, version, { ttlSeconds: markerTtlSeconds(deps) });
}

/** A conditional write: losing the race to another attempt is a retry, not a second ticket. */
export async function write(store: StateStore, key: string, r: Record, version: string | undefined, opts: { newVersion?: string; ttlSeconds?: number } = {}): Promise<void> {
  const cond = version === undefined ? { ifAbsent: true } : { ifVersion: version };
  const ok = await store.put(key, JSON.stringify(r), { ...cond, ...opts });
  if (!ok) throw lostWrite();
}
