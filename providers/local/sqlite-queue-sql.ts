import type { SqliteDatabase } from './sqlite';

/**
 * Schema and prepared statements of sqlite-queue.ts, prepared once per connection. Several named
 * queues may share one file (the `queue` column); ids are UUIDs so that a replayed dead letter
 * keeps its id, and `seq` (AUTOINCREMENT, never reused) keeps delivery close to FIFO.
 * A message whose lease lapsed (visible again, its `receipt` still set: its consumer neither
 * acked, released nor gave it back) is claimed alone; `leased_alone` tells whether its lapsed
 * lease was one of a claim of it alone (its consumer died with it in hand: the attempt counts)
 * or of a batch (any message of the batch may have killed the consumer: the next claim, of it
 * alone, does not count another).
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  queue TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  visible_at INTEGER NOT NULL,
  receipt TEXT,
  last_error TEXT,
  leased_alone INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS queue_messages_ready ON queue_messages (queue, visible_at, seq);
CREATE TABLE IF NOT EXISTS queue_dead_letters (
  id TEXT PRIMARY KEY NOT NULL,
  queue TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error TEXT,
  failed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_dead_letters_by_queue ON queue_dead_letters (queue, failed_at);
`;

/**
 * Queue files made before `leased_alone` get it added, by whichever connection takes the write lock
 * first (the others find it there). Their lapsed leases read as a batch's (0): claimed alone once
 * more, uncounted, before any is dead-lettered.
 */
export function addLeasedAlone(db: SqliteDatabase): () => void {
  const has = () => (db.pragma('table_info(queue_messages)') as { name: string }[]).some((c) => c.name === 'leased_alone');
  const add = db.transaction(() => {
    if (!has()) db.exec('ALTER TABLE queue_messages ADD COLUMN leased_alone INTEGER NOT NULL DEFAULT 0');
  });
  return () => void (has() || add.immediate());
}

export interface Row { seq: number; id: string; body: string; attempts: number; receipt: string; last_error: string | null }
export interface DeadRow { id: string; body: string; attempts: number; error: string | null; failed_at: number }
type Depth = { visible: number; leased: number; delayed: number; dead: number };
type Q = { queue: string };
type Expired = Q & { now: number; maxAttempts: number };

// A batch's lapsed lease is not its messages' last attempt: each is claimed alone first.
const EXPIRED = 'queue = @queue AND visible_at <= @now AND attempts >= @maxAttempts AND (receipt IS NULL OR leased_alone = 1)';

export function queueStatements(db: SqliteDatabase) {
  return {
    insert: db.prepare<Q & { id: string; body: string; visibleAt: number }>(
      'INSERT INTO queue_messages (id, queue, body, visible_at) VALUES (@id, @queue, @body, @visibleAt)',
    ),
    // The claimable messages in delivery order; `lapsed`: its lease ran out (see the top).
    ready: db.prepare<Q & { now: number; max: number }, { seq: number; lapsed: 0 | 1 }>(
      `SELECT seq, receipt IS NOT NULL AS lapsed FROM queue_messages WHERE queue = @queue AND visible_at <= @now
       ORDER BY visible_at, seq LIMIT @max`,
    ),
    // Runs with `ready` inside one IMMEDIATE transaction, so both see the same rows. A lapsed
    // batch lease already counted this claim's attempt (its consumer's death is not the
    // message's doing): the claim of it alone that follows counts none.
    lease: db.prepare<{ seqs: string; alone: 0 | 1; until: number; receipt: string }, Row>(
      `UPDATE queue_messages
       SET attempts = attempts + (receipt IS NULL OR leased_alone = 1), leased_alone = @alone, receipt = @receipt, visible_at = @until
       WHERE seq IN (SELECT value FROM json_each(@seqs))
       RETURNING seq, id, body, attempts, receipt, last_error`,
    ),
    buryExpired: db.prepare<Expired>(
      `INSERT OR REPLACE INTO queue_dead_letters (id, queue, body, attempts, error, failed_at)
       SELECT id, queue, body, attempts,
              'lease expired without ack after ' || attempts || ' attempts' || COALESCE('; last error: ' || last_error, ''), @now
       FROM queue_messages WHERE ${EXPIRED}`,
    ),
    deleteBuried: db.prepare<Expired>(`DELETE FROM queue_messages WHERE ${EXPIRED}`),
    leased: db.prepare<{ id: string; receipt: string }, Row>(
      'SELECT seq, id, body, attempts, receipt, last_error FROM queue_messages WHERE id = @id AND receipt = @receipt',
    ),
    unlease: db.prepare<{ id: string; visibleAt: number; error: string | null }>(
      'UPDATE queue_messages SET receipt = NULL, visible_at = @visibleAt, last_error = COALESCE(@error, last_error) WHERE id = @id',
    ),
    bury: db.prepare<{ id: string; error: string | null; now: number }>(
      `INSERT OR REPLACE INTO queue_dead_letters (id, queue, body, attempts, error, failed_at)
       SELECT id, queue, body, attempts, @error, @now FROM queue_messages WHERE id = @id`,
    ),
    deleteOne: db.prepare<[string]>('DELETE FROM queue_messages WHERE id = ?'),
    ack: db.prepare<{ id: string; receipt: string }>('DELETE FROM queue_messages WHERE id = @id AND receipt = @receipt'),
    // Only while the receipt still holds the message: a lease lost to another consumer stays lost.
    extend: db.prepare<{ id: string; receipt: string; until: number }>(
      'UPDATE queue_messages SET visible_at = @until WHERE id = @id AND receipt = @receipt',
    ),
    // A claim never worked on: its attempt not counted, and visible again at once, from the start
    // of time, so that it goes back to the head of the queue (claims take the oldest visible_at
    // first), ahead of messages queued after it, where it was when it was claimed.
    giveBack: db.prepare<{ id: string; receipt: string }>(
      `UPDATE queue_messages SET receipt = NULL, visible_at = 0, attempts = max(attempts - 1, 0)
       WHERE id = @id AND receipt = @receipt`,
    ),
    // Pages in (failed_at, id) order: a page starts after the last row of the one before.
    dead: db.prepare<Q & { limit: number; afterAt: number; afterId: string }, DeadRow>(
      `SELECT id, body, attempts, error, failed_at FROM queue_dead_letters
       WHERE queue = @queue AND (failed_at, id) > (@afterAt, @afterId) ORDER BY failed_at, id LIMIT @limit`,
    ),
    deadOne: db.prepare<Q & { id: string }, DeadRow>(
      'SELECT id, body, attempts, error, failed_at FROM queue_dead_letters WHERE queue = @queue AND id = @id',
    ),
    // A replayed message starts over: a fresh set of attempts, visible at once.
    revive: db.prepare<Q & { id: string; now: number }>(
      `INSERT INTO queue_messages (id, queue, body, visible_at)
       SELECT id, queue, body, @now FROM queue_dead_letters WHERE id = @id AND queue = @queue`,
    ),
    forgetDead: db.prepare<[string]>('DELETE FROM queue_dead_letters WHERE id = ?'),
    depth: db.prepare<Q & { now: number }, Depth>(
      `SELECT count(*) FILTER (WHERE visible_at <= @now) AS visible,
              count(*) FILTER (WHERE visible_at > @now AND receipt IS NOT NULL) AS leased,
              count(*) FILTER (WHERE visible_at > @now AND receipt IS NULL) AS delayed,
              (SELECT count(*) FROM queue_dead_letters WHERE queue = @queue) AS dead
       FROM queue_messages WHERE queue = @queue`,
    ),
    ping: db.prepare('SELECT 1'),
  };
}
