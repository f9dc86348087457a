import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { raceProcesses } from './race.testkit';
import { eachQueueRig, type QueueRig, START } from './sqlite-queue.testkit';

/**
 * Lapsed leases on the SQLite queue: a message whose consumer died holding it comes back alone,
 * and only a lease of its own that lapsed counts against it (drain-crash.test.ts runs the whole
 * story with a worker process that aborts).
 */
/** The table as queue files made before leased_alone hold it. */
const OLD_SCHEMA = `
CREATE TABLE queue_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, queue TEXT NOT NULL, body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, visible_at INTEGER NOT NULL, receipt TEXT, last_error TEXT
);
CREATE INDEX queue_messages_ready ON queue_messages (queue, visible_at, seq);`;
let dir: string;
let clock: QueueRig['clock'];
let connect: QueueRig['connect'];
eachQueueRig('secorch-queue-lapsed-', (rig) => ({ dir, clock, connect } = rig));

test('claims a message whose lease lapsed alone, after the messages ahead of it, and counts that claim only after a lapsed claim of it alone', () => {
  const q = connect();
  const [a, b, c] = ['a', 'b', 'c'].map((body) => q.enqueue(body));
  expect(q.claim(2, 1_000).map((m) => m.id)).toEqual([a, b]);
  clock.advance(1_000); // the consumer of a and b died with both in hand
  // c was visible first: a batch stops short of the lapsed a.
  expect(q.claim(10, 1_000).map((m) => m.id)).toEqual([c]);
  // Each alone, and not counted again: either of them may have killed the consumer.
  const [again] = q.claim(10, 1_000);
  expect(again).toMatchObject({ id: a, attempts: 1 });
  expect(q.ack(a!, again!.receipt)).toBe(true);
  expect(q.claim(10, 1_000)).toMatchObject([{ id: b, attempts: 1 }]);
  clock.advance(1_000); // ...and this time b was alone in hand: counted
  expect(q.claim(10, 1_000)).toMatchObject([{ id: b, attempts: 2 }]);
});

test("dead-letters a message for a lapsed lease of its own, never for its batch's", () => {
  const q = connect({ maxAttempts: 2 });
  const [tired, poison] = [q.enqueue('failed once'), q.enqueue('kills its consumer')];
  const [first] = q.claim(1, 1_000);
  expect(q.release(tired, first!.receipt, 0, 'downstream 503')).toBe('released');
  // Both in one batch, tired on its last attempt; the consumer dies on poison.
  expect(q.claim(10, 1_000).map((m) => [m.id, m.attempts])).toEqual([[tired, 2], [poison, 1]]);
  clock.advance(1_000);
  const [alone] = q.claim(10, 1_000);
  expect(alone).toMatchObject({ id: tired, attempts: 2 });
  expect(q.ack(tired, alone!.receipt)).toBe(true);
  expect(q.depth().dead).toBe(0);
  // poison alone, twice: its consumer dies each time, then it is dead-lettered unclaimed.
  for (const attempts of [1, 2]) {
    expect(q.claim(10, 1_000)).toMatchObject([{ id: poison, attempts }]);
    clock.advance(1_000);
  }
  expect(q.claim(10, 1_000)).toEqual([]);
  expect(q.deadLetters()).toEqual([
    { id: poison, body: 'kills its consumer', attempts: 2, error: 'lease expired without ack after 2 attempts', failedAt: START + 3_000 },
  ]);
});

test('gives back a lapsed message claimed alone as it was before the batch that lapsed', () => {
  const q = connect();
  const [a] = [q.enqueue('a'), q.enqueue('b')];
  q.claim(2, 1_000);
  clock.advance(1_000);
  const [alone] = q.claim(10, 1_000);
  expect(alone).toMatchObject({ id: a, attempts: 1 });
  // A stop before it was worked on: neither the batch's claim nor this one is counted.
  expect(q.giveBack([alone!])).toBe(1);
  expect(q.claim(1, 1_000)).toMatchObject([{ id: a, attempts: 1 }]);
});

test('opens a queue file made before leased_alone, adds the column once, and claims its lapsed leases alone', async () => {
  const path = join(dir, 'data', 'queue.db');
  mkdirSync(dirname(path), { recursive: true });
  const old = new Database(path);
  old.exec(OLD_SCHEMA);
  // Two messages on their last attempt whose consumer died, one of another queue, ten fresh.
  const insert = old.prepare('INSERT INTO queue_messages (id, queue, body, attempts, visible_at, receipt) VALUES (?, ?, ?, ?, ?, ?)');
  insert.run('x', 'events', 'x', 5, START - 1, 'r');
  insert.run('y', 'events', 'y', 5, START - 1, 'r');
  insert.run('o', 'other', 'o', 5, START - 1, 'r');
  for (let i = 0; i < 10; i++) insert.run(`m${i}`, 'events', `m${i}`, 0, START, null);
  old.close();
  // Four processes open it at once; each claims and acks what it gets.
  const won = await raceProcesses(4, ['queue-opened-late', path, '0', String(START)]);
  // Unknown whether the lapsed leases were a batch's: each was claimed alone, not dead-lettered.
  expect(won.flat().sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'x', 'y']);
  const q = connect({ name: 'other' });
  expect(q.claim(10, 1_000)).toMatchObject([{ id: 'o', attempts: 5 }]);
  expect(q.depth()).toEqual({ visible: 0, leased: 1, delayed: 0, dead: 0 });
  const columns = new Database(path, { readonly: true });
  expect((columns.pragma('table_info(queue_messages)') as { name: string }[]).filter((c) => c.name === 'leased_alone')).toHaveLength(1);
  columns.close();
});
