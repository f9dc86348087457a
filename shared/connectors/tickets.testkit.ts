import { ConnectorError } from './errors';
import type { LeaseTimer } from './ticket-abort';
import type { TicketRef, TicketSystem } from './tickets';

/**
 * A ticket target that keeps its tickets in memory, searchable by uid (what a label or
 * correlation_id gives), with reopen; a call on a ticket it no longer holds answers 404 as Jira
 * does. `calls` lists every call in order. `gate(call)` stops the next call of that name
 * (`resolve r1`, `reopen u1`, `update u1`, `create c1`) once it has acted on the ticket, until
 * `release()`: `acted` settles then. A gate never released is an attempt that died there.
 * `stall(call)` stops the next call of that name once it has acted as a call waiting for the
 * vendor does: until the signal it was given aborts (never, without one), then it fails with the
 * signal's reason; `signals` keeps the signal each call was given.
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
  const stalls = new Map<string, () => void>();
  const signals = new Map<string, AbortSignal | undefined>();
  const stall = (call: string) => {
    let reached!: () => void;
    const acted = new Promise<void>((r) => (reached = r));
    stalls.set(call, reached);
    return { acted };
  };
  const aborted = (signal: AbortSignal | undefined) => new Promise<never>((_, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  const after = async (call: string, signal?: AbortSignal) => {
    signals.set(call, signal);
    const s = stalls.get(call);
    if (s) {
      stalls.delete(call);
      s();
      await aborted(signal);
    }
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
    async create(uid, event, opts) {
      calls.push(`create ${event.id}`);
      const id = String(++made);
      tickets.set(id, { id, key: `SEC-${id}`, uid, comments: [], resolved: false });
      await after(`create ${event.id}`, opts?.signal);
      return { id, key: `SEC-${id}` };
    },
    async update(ref, event, opts) {
      calls.push(`update ${event.id}`);
      held(ref).comments.push(event.id);
      await after(`update ${event.id}`, opts?.signal);
    },
    async resolve(ref, event, opts) {
      calls.push(`resolve ${event.id}`);
      held(ref).resolved = true;
      await after(`resolve ${event.id}`, opts?.signal);
    },
    async reopen(ref, event, opts) {
      calls.push(`reopen ${event.id}`);
      const t = held(ref);
      const was = t.resolved;
      t.resolved = false;
      await after(`reopen ${event.id}`, opts?.signal);
      return was ? { kind: 'reopened' } : { kind: 'open' };
    },
  };
  return { system, tickets, calls, gate, stall, signals };
}

/**
 * A lease timer (TicketDeps.leaseTimer) fired by hand: `armed` lists each timer with its delay,
 * `running()` those neither fired nor disarmed, `fire()` fires them.
 */
export function manualLeaseTimer() {
  const armed: { ms: number; fire: () => void; done: boolean }[] = [];
  const timer: LeaseTimer = (ms, fire) => {
    const t = { ms, fire, done: false };
    armed.push(t);
    return () => void (t.done = true);
  };
  const running = () => armed.filter((t) => !t.done);
  const fire = () => running().forEach((t) => {
    t.done = true;
    t.fire();
  });
  return { timer, armed, running, fire };
}
