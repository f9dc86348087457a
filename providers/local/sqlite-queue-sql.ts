import type { SqliteDatabase } from './sqlite';

/**
 * Schema and prepared statements of sqlite-queue.ts, prepared once per connection. Several named
 * queues may share one file (the `queue` column); ids are UUIDs so that a replayed dead letter
 * keeps its id, and `seq` (AUTOINCREMENT, never reused) keeps delivery close to FIFO.
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
  last_error TEXT
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

export interface Row { seq: number; id: string; body: string; attempts: number; receipt: string; last_error: string | null }
export interface DeadRow { id: string; body: string; attempts: number; error: string | null; failed_at: number }
type Depth = { visible: number; leased: number; delayed: number; dead: number };
type Q = { queue: string };
type Expired = Q & { now: number; maxAttempts: number };

const EXPIRED = 'queue = @queue AND visible_at <= @now AND attempts >= @maxAttempts';

export function queueStatements(db: SqliteDatabase) {
  return {
    insert: db.prepare<Q & { id: string; body: string; visibleAt: number }>(
      'INSERT INTO queue_messages (id, queue, body, visible_at) VALUES (@id, @queue, @body, @visibleAt)',
    ),
    // Runs inside an IMMEDIATE transaction, so the subquery and the update see the same rows.
    lease: db.prepare<Q & { now: number; max: number; until: number; receipt: string }, Row>(
      `UPDATE queue_messages SET attempts = attempts + 1, receipt = @receipt, visible_at = @until
       WHERE seq IN (SELECT seq FROM queue_messages WHERE queue = @queue AND visible_at <= @now
                     ORDER BY visible_at, seq LIMIT @max)
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
