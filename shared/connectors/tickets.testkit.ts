import { ConnectorError } from './errors';
import type { TicketRef, TicketSystem } from './tickets';

/**
 * A ticket target that keeps its tickets in memory, searchable by uid (what a label or
 * correlation_id gives), with reopen; a call on a ticket it no longer holds answers 404 as Jira
 * does. `calls` lists every call in order.
 */
export function fakeTicketTarget() {
  const tickets = new Map<string, TicketRef & { uid: string; comments: string[]; resolved: boolean }>();
  const calls: string[] = [];
  let made = 0;
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
    },
    async resolve(ref, event) {
      calls.push(`resolve ${event.id}`);
      held(ref).resolved = true;
    },
    async reopen(ref, event) {
      calls.push(`reopen ${event.id}`);
      const t = held(ref);
      if (!t.resolved) return { kind: 'open' };
      t.resolved = false;
      return { kind: 'reopened' };
    },
  };
  return { system, tickets, calls };
}
