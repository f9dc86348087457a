import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/ports/clock';
import { openWith, type SqliteDatabase, whenFree } from './sqlite';
import { type DeadRow, SCHEMA, type Row, addLeasedAlone, queueStatements } from './sqlite-queue-sql';

/**
 * Durable at-least-once queue: the local bus between webhook-ingress and event-router, which run
 * in different processes (or worker threads), so the queue lives in a SQLite file. The model is
 * SQS's: `claim` leases messages (visibility timeout) and counts the attempt, `ack` deletes,
 * `release` makes a message visible again later, and a lease that expires without an ack makes
 * the message claimable again, so a crashed consumer loses nothing. A message claimed
 * `maxAttempts` times that fails again goes to the dead-letter table (SQS maxReceiveCount).
 * Unlike SQS, a message whose lease lapsed is claimed alone: when one message kills its consumer
 * (a native abort, running out of memory), the others of its batch are not counted against it
 * and succeed alone, and only the one that keeps killing its consumer alone is dead-lettered.
 * Every read-modify-write runs in an IMMEDIATE transaction: it takes the write lock before
 * reading, so two consumers never lease the same message.
 */
export interface QueueMessage { id: string; body: string; attempts: number; receipt: string }
export interface DeadLetter { id: string; body: string; attempts: number; error: string | null; failedAt: number }
/** Where a page of dead letters ends: pass the last letter of a page to get the next one. */
export type DeadLetterCursor = Pick<DeadLetter, 'id' | 'failedAt'>;
/** `stale`: the receipt no longer holds the message (lease expired and re-claimed, or acked). */
export type ReleaseOutcome = 'released' | 'dead_lettered' | 'stale';

export interface SqliteQueue {
  readonly name: string;
  /** Claims of a message after which a failure (or a lapsed lease) moves it to the dead-letter table. */
  readonly maxAttempts: number;
  enqueue(body: string, opts?: { delayMs?: number }): string;
  /**
   * Puts several messages in with one commit (one fsync), in order; all or none are stored.
   * Returns their ids in the same order.
   */
  enqueueAll(bodies: readonly string[]): string[];
  /**
   * Leases up to `max` visible messages, oldest first. A message whose lease lapsed is claimed
   * alone; a claim of several stops short of one.
   */
  claim(max: number, leaseMs: number): QueueMessage[];
  ack(id: string, receipt: string): boolean;
  /** Acknowledges several claimed messages in one commit; returns how many it deleted. */
  ackAll(items: readonly { id: string; receipt: string }[]): number;
  release(id: string, receipt: string, delayMs: number, error?: string): ReleaseOutcome;
  /**
   * Renews the leases of claimed messages to `leaseMs` from now (SQS ChangeMessageVisibility), so a
   * consumer still working on them keeps them; returns how many it still held.
   */
  extend(items: readonly { id: string; receipt: string }[], leaseMs: number): number;
  /**
   * Hands back claimed messages that were never worked on (a consumer stopping midway through a
   * batch): visible again at once, the claim not counted as an attempt. Returns how many it held.
   */
  giveBack(items: readonly { id: string; receipt: string }[]): number;
  /** Dead letters oldest first, `limit` (default 100) after `after` (the last one of the page before). */
  deadLetters(limit?: number, after?: DeadLetterCursor): DeadLetter[];
  /** One dead letter by id, however many there are. */
  deadLetter(id: string): DeadLetter | undefined;
  replay(id: string): boolean;
  /** visible: claimable now (incl. expired leases); leased; delayed; dead: dead letters. */
  depth(): { visible: number; leased: number; delayed: number; dead: number };
  check(): void;
  /**
   * True when another connection committed to the queue file since the last call (SQLite's
   * `PRAGMA data_version`): a read-only check a consumer can poll cheaply before claiming.
   */
  changed(): boolean;
  close(): void;
}

export interface SqliteQueueOptions {
  path: string;
  clock: Clock;
  name?: string;
  maxAttempts?: number;
  /** Open an existing queue file only (tools such as `npm run dlq`): a missing file is an error, never created. */
  mustExist?: boolean;
}

const deadLetterOf = (r: DeadRow): DeadLetter => ({ id: r.id, body: r.body, attempts: r.attempts, error: r.error, failedAt: r.failed_at });

const nonNegative = (what: string, ms: number) => {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${what} must be a finite number >= 0, got ${ms}`);
  return Math.ceil(ms);
};

export function sqliteQueue(opts: SqliteQueueOptions): SqliteQueue {
  const { clock } = opts;
  const queue = opts.name ?? 'events';
  const maxAttempts = opts.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be an integer >= 1');
  // NORMAL, except while a message is put in (durably): a consumer's lease, ack or release lost
  // to a power cut only puts the file back where the message is claimable again, which is what a
  // crashed consumer leaves too (at least once). Its commits then need no fsync each, and they
  // hold the file's write lock, which every producer waits for, a fraction as long.
  return openWith(opts.path, { synchronous: 'NORMAL', mustExist: opts.mustExist }, (db) => queueOn(db, clock, queue, maxAttempts));
}

/** The queue on an open connection: a throw here closes it (openWith). */
function queueOn(db: SqliteDatabase, clock: Clock, queue: string, maxAttempts: number): SqliteQueue {
  const syncFull = db.prepare('PRAGMA synchronous = FULL');
  const syncNormal = db.prepare('PRAGMA synchronous = NORMAL');
  /** Runs `run` with every commit fsynced: when it returns, the message survives a power cut. */
  const durably = <T>(run: () => T): T => {
    syncFull.run();
    try {
      return run();
    } finally {
      syncNormal.run();
    }
  };
  whenFree(db, () => db.exec(SCHEMA));
  whenFree(db, addLeasedAlone(db));
  const sql = queueStatements(db);

  const claim = db.transaction((max: number, leaseMs: number): QueueMessage[] => {
    const now = clock.now();
    // A message whose lease expired maxAttempts times (its consumer crashed or hung each time)
    // would otherwise be redelivered forever: dead-letter it instead of claiming it again.
    sql.buryExpired.run({ queue, now, maxAttempts });
    sql.deleteBuried.run({ queue, now, maxAttempts });
    // A lapsed lease comes alone, and a batch ends before one: a message that kills its consumer
    // takes down no other message after its first time.
    const ready = sql.ready.all({ queue, now, max });
    const lapsed = ready.findIndex((r) => r.lapsed === 1);
    const picked = lapsed === -1 ? ready : ready.slice(0, Math.max(lapsed, 1));
    if (picked.length === 0) return [];
    const seqs = JSON.stringify(picked.map((r) => r.seq));
    const rows = sql.lease.all({ seqs, alone: picked.length === 1 ? 1 : 0, until: now + leaseMs, receipt: randomUUID() });
    return rows.sort((a, b) => a.seq - b.seq).map(({ id, body, attempts, receipt }) => ({ id, body, attempts, receipt }));
  });
  const release = db.transaction((id: string, receipt: string, delayMs: number, error: string | null): ReleaseOutcome => {
    const now = clock.now();
    const row: Row | undefined = sql.leased.get({ id, receipt });
    if (!row) return 'stale';
    if (row.attempts < maxAttempts) {
      sql.unlease.run({ id, visibleAt: now + delayMs, error });
      return 'released';
    }
    sql.bury.run({ id, error: error ?? row.last_error, now });
    sql.deleteOne.run(id);
    return 'dead_lettered';
  });
  const ackAll = db.transaction((items: readonly { id: string; receipt: string }[]): number => {
    let deleted = 0;
    for (const { id, receipt } of items) deleted += sql.ack.run({ id, receipt }).changes;
    return deleted;
  });
  const extend = db.transaction((items: readonly { id: string; receipt: string }[], until: number): number => {
    let held = 0;
    for (const { id, receipt } of items) held += sql.extend.run({ id, receipt, until }).changes;
    return held;
  });
  const giveBack = db.transaction((items: readonly { id: string; receipt: string }[]): number => {
    let held = 0;
    for (const { id, receipt } of items) held += sql.giveBack.run({ id, receipt }).changes;
    return held;
  });
  const insertAll = db.transaction((rows: readonly { id: string; body: string }[], visibleAt: number) => {
    for (const { id, body } of rows) sql.insert.run({ id, queue, body, visibleAt });
  });
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let seenVersion: unknown;
  const replay = db.transaction((id: string): boolean => {
    if (sql.revive.run({ id, queue, now: clock.now() }).changes !== 1) return false;
    sql.forgetDead.run(id);
    return true;
  });

  // Every operation waits while another connection holds the write lock (see whenFree).
  const free = <T>(run: () => T): T => whenFree(db, run);
  return {
    name: queue,
    maxAttempts,
    enqueue(body, o = {}) {
      const id = randomUUID();
      const visibleAt = clock.now() + nonNegative('delayMs', o.delayMs ?? 0);
      durably(() => free(() => sql.insert.run({ id, queue, body, visibleAt })));
      return id;
    },
    enqueueAll(bodies) {
      const rows = bodies.map((body) => ({ id: randomUUID(), body }));
      if (rows.length > 0) durably(() => free(() => insertAll.immediate(rows, clock.now())));
      return rows.map((r) => r.id);
    },
    claim(max, leaseMs) {
      if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be an integer >= 1');
      if (nonNegative('leaseMs', leaseMs) === 0) throw new RangeError('leaseMs must be > 0');
      return free(() => claim.immediate(max, Math.ceil(leaseMs)));
    },
    ack: (id, receipt) => free(() => sql.ack.run({ id, receipt }).changes === 1),
    ackAll: (items) => (items.length === 0 ? 0 : free(() => ackAll.immediate(items))),
    release: (id, receipt, delayMs, error) => {
      const delay = nonNegative('delayMs', delayMs);
      return free(() => release.immediate(id, receipt, delay, error ?? null));
    },
    extend(items, leaseMs) {
      if (nonNegative('leaseMs', leaseMs) === 0) throw new RangeError('leaseMs must be > 0');
      return items.length === 0 ? 0 : free(() => extend.immediate(items, clock.now() + Math.ceil(leaseMs)));
    },
    giveBack: (items) => (items.length === 0 ? 0 : free(() => giveBack.immediate(items))),
    deadLetters: (limit = 100, after) =>
      free(() => sql.dead.all({ queue, limit, afterAt: after?.failedAt ?? Number.MIN_SAFE_INTEGER, afterId: after?.id ?? '' })).map(deadLetterOf),
    deadLetter(id) {
      const row = free(() => sql.deadOne.get({ queue, id }));
      return row && deadLetterOf(row);
    },
    replay: (id) => durably(() => free(() => replay.immediate(id))),
    depth: () => free(() => sql.depth.get({ queue, now: clock.now() }))!,
    check: () => void free(() => sql.ping.get()),
    changed() {
      const version = free(() => dataVersion.get());
      const changed = version !== seenVersion;
      seenVersion = version;
      return changed;
    },
    close: () => db.close(),
  };
}
