import { ConnectorError } from './errors';
import type { TicketRef, TicketSystem } from './tickets';

/**
 * A ticket target that keeps its tickets in memory, searchable by uid (what a label or
 * correlation_id gives), with reopen; a call on a ticket it no longer holds answers 404 as Jira
 * does. `calls` lists every call in order. `gate(call)` stops the next call of that name
 * (`resolve r1`, `reopen u1`, `update u1`) once it has acted on the ticket, until `release()`:
 * `acted` settles then. A gate never released is an attempt that died there.
 */
export function fakeTicketTarget() {
  const tickets = new Map<string, TicketRef & { uid: string; comments: string[]; resolved: boolean }>();
  const calls: string[] = [];
  let made = 0;
  const gates = new Map<string, { acted: () => void; released: Promise<void> }>();
  const gate = (call: string) => {
    let acted!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((r) => (acted = r));
    gates.set(call, { acted, released: new Promise<void>((r) => (release = r)) });
    return { acted: reached, release };
  };
  const after = async (call: string) => {
    const g = gates.get(call);
    if (!g) return;
    gates.delete(call);
    g.acted();
    await g.released;
  };
  const gone = () => new ConnectorError('connector_not_found', 'HTTP 404', { connector: 'jira', vendorStatus: 404 });
  const held = (ref: TicketRef) => {
    const t = tickets.get(ref.id);
    if (!t) throw gone();
    return t;
  };
  const system: TicketSystem = {
    async findByUid(uid) {
      calls.push(`find ${uid}`);
      const t = [...tickets.values()].find((x) => x.uid === uid);
      return t ? { id: t.id, key: t.key } : undefined;
    },
    async create(uid, event) {
      calls.push(`create ${event.id}`);
      const id = String(++made);
      tickets.set(id, { id, key: `SEC-${id}`, uid, comments: [], resolved: false });
      return { id, key: `SEC-${id}` };
    },
    async update(ref, event) {
      calls.push(`update ${event.id}`);
      held(ref).comments.push(event.id);
      await after(`update ${event.id}`);
    },
    async resolve(ref, event) {
      calls.push(`resolve ${event.id}`);
      held(ref).resolved = true;
      await after(`resolve ${event.id}`);
    },
    async reopen(ref, event) {
      calls.push(`reopen ${event.id}`);
      const t = held(ref);
      const was = t.resolved;
      t.resolved = false;
      await after(`reopen ${event.id}`);
      return was ? { kind: 'reopened' } : { kind: 'open' };
    },
  };
  return { system, tickets, calls, gate };
}
