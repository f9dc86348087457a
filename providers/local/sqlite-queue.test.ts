import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { raceProcesses } from './race.testkit';
import { sqliteQueue } from './sqlite-queue';
import { eachQueueRig, type QueueRig, START } from './sqlite-queue.testkit';

let dir: string;
let clock: QueueRig['clock'];
let connect: QueueRig['connect'];
let open: QueueRig['open'];
eachQueueRig('secorch-queue-', (rig) => ({ dir, clock, connect, open } = rig));

describe('sqliteQueue', () => {
  it('delivers in order, leases, and ack removes', () => {
    const q = connect();
    const ids = ['a', 'b', 'c'].map((body) => q.enqueue(body));
    const claimed = q.claim(10, 30_000);
    expect(claimed.map((m) => [m.id, m.body, m.attempts])).toEqual([[ids[0], 'a', 1], [ids[1], 'b', 1], [ids[2], 'c', 1]]);
    expect(q.claim(10, 30_000)).toEqual([]);
    expect(q.depth()).toEqual({ visible: 0, leased: 3, delayed: 0, dead: 0 });
    expect(q.ack(claimed[0]!.id, 'wrong receipt')).toBe(false);
    for (const m of claimed) expect(q.ack(m.id, m.receipt)).toBe(true);
    expect(q.ack(claimed[0]!.id, claimed[0]!.receipt)).toBe(false);
    expect(q.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 0 });
  });

  it('ackAll deletes a batch in one commit, skipping stale receipts', () => {
    const q = connect();
    ['a', 'b', 'c'].forEach((body) => q.enqueue(body));
    const [a, b, c] = q.claim(10, 30_000);
    expect(q.ackAll([a!, { id: b!.id, receipt: 'stale' }, c!])).toBe(2);
    expect(q.depth()).toEqual({ visible: 0, leased: 1, delayed: 0, dead: 0 });
    expect(q.ackAll([])).toBe(0);
  });

  it('changed() sees commits of other connections only', () => {
    const [consumer, producer] = [connect(), connect()];
    consumer.changed(); // the first call sets the baseline
    expect(consumer.changed()).toBe(false);
    producer.enqueue('x');
    expect(consumer.changed()).toBe(true);
    expect(consumer.changed()).toBe(false);
    const [m] = consumer.claim(1, 30_000);
    consumer.ackAll([m!]);
    expect(consumer.changed()).toBe(false); // its own commits do not wake it
    producer.enqueue('y');
    expect(consumer.changed()).toBe(true);
  });

  it('gives two connections disjoint sets', () => {
    const [a, b] = [connect(), connect()];
    const ids = Array.from({ length: 20 }, (_, i) => a.enqueue(`m${i}`));
    const got = [...a.claim(7, 60_000), ...b.claim(7, 60_000), ...a.claim(10, 60_000), ...b.claim(10, 60_000)].map((m) => m.id);
    expect(got).toHaveLength(20);
    expect(new Set(got)).toEqual(new Set(ids));
  });

  it('redelivers when the lease expires without an ack', () => {
    const q = connect();
    const id = q.enqueue('x');
    const [first] = q.claim(1, 1_000);
    clock.advance(999);
    expect(q.claim(1, 1_000)).toEqual([]);
    clock.advance(1);
    expect(q.depth().visible).toBe(1);
    const [second] = q.claim(1, 1_000);
    expect(second).toMatchObject({ id, body: 'x', attempts: 2 });
    expect(second!.receipt).not.toBe(first!.receipt);
    expect(q.ack(id, first!.receipt)).toBe(false);
    expect(q.release(id, first!.receipt, 0)).toBe('stale');
    expect(q.ack(id, second!.receipt)).toBe(true);
  });

  it('extend keeps a lease only for its holder; giveBack returns a claim uncounted, even on the last attempt', () => {
    const q = connect({ maxAttempts: 2 });
    const id = q.enqueue('x');
    const [first] = q.claim(1, 1_000);
    expect(q.release(id, first!.receipt, 0)).toBe('released');
    const [last] = q.claim(1, 1_000);
    expect(last!.attempts).toBe(2);
    clock.advance(900);
    expect(q.extend([last!, { id, receipt: 'stale' }], 1_000)).toBe(1);
    clock.advance(900);
    expect(q.claim(1, 1_000)).toEqual([]);
    expect(q.giveBack([{ id, receipt: 'stale' }])).toBe(0);
    expect(q.giveBack([last!])).toBe(1);
    expect(q.depth()).toEqual({ visible: 1, leased: 0, delayed: 0, dead: 0 });
    expect(q.extend([last!], 1_000)).toBe(0);
    expect(q.claim(1, 1_000)).toMatchObject([{ id, attempts: 2 }]);
  });

  it('enqueues several messages with one commit, in order, all or none', () => {
    const q = connect();
    const ids = q.enqueueAll(['a', 'b', 'c']);
    expect(new Set(ids).size).toBe(3);
    expect(q.claim(10, 1_000).map((m) => [m.id, m.body])).toEqual([[ids[0], 'a'], [ids[1], 'b'], [ids[2], 'c']]);
    expect(q.enqueueAll([])).toEqual([]);
    // A body the table refuses (NOT NULL) fails the whole commit: the first is not kept either.
    expect(() => q.enqueueAll(['d', null as unknown as string])).toThrow(/NOT NULL/);
    expect(q.depth()).toMatchObject({ visible: 0, leased: 3 });
  });

  it('releases with a delay, and enqueues with one', () => {
    const q = connect();
    const id = q.enqueue('x');
    const [m] = q.claim(1, 60_000);
    expect(q.release(id, m!.receipt, 5_000, 'downstream 503')).toBe('released');
    q.enqueue('later', { delayMs: 10_000 });
    expect(q.depth()).toEqual({ visible: 0, leased: 0, delayed: 2, dead: 0 });
    clock.advance(4_999);
    expect(q.claim(5, 60_000)).toEqual([]);
    clock.advance(1);
    expect(q.claim(5, 60_000).map((c) => [c.body, c.attempts])).toEqual([['x', 2]]);
    clock.advance(5_000);
    expect(q.claim(5, 60_000).map((c) => c.body)).toEqual(['later']);
    expect(() => q.enqueue('bad', { delayMs: -1 })).toThrow(RangeError);
    expect(() => q.claim(0, 1_000)).toThrow(RangeError);
  });

  it('dead-letters after maxAttempts failures, and replay starts over', () => {
    const q = connect({ maxAttempts: 3 });
    const id = q.enqueue('poison');
    const outcomes = [1, 2, 3].map((n) => {
      const [m] = q.claim(1, 60_000);
      expect(m!.attempts).toBe(n);
      return q.release(id, m!.receipt, 0, `boom ${n}`);
    });
    expect(outcomes).toEqual(['released', 'released', 'dead_lettered']);
    expect(q.claim(1, 60_000)).toEqual([]);
    expect(q.deadLetters()).toEqual([{ id, body: 'poison', attempts: 3, error: 'boom 3', failedAt: START }]);
    expect(q.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 1 });

    expect(q.replay(id)).toBe(true);
    expect(q.replay(id)).toBe(false);
    expect(q.deadLetters()).toEqual([]);
    expect(q.claim(1, 60_000)).toMatchObject([{ id, body: 'poison', attempts: 1 }]);
  });

  it('by default dead-letters a message at its fifth failure, as the README promises', () => {
    const q = connect();
    const id = q.enqueue('poison');
    const outcomes = [1, 2, 3, 4, 5].map((n) => {
      const [m] = q.claim(1, 60_000);
      expect(m).toMatchObject({ id, attempts: n });
      return q.release(id, m!.receipt, 0, `boom ${n}`);
    });
    expect(outcomes).toEqual(['released', 'released', 'released', 'released', 'dead_lettered']);
    expect(q.deadLetter(id)).toMatchObject({ attempts: 5, error: 'boom 5' });
  });

  it('keeps the last error a failure gave in the dead letter when the final failure gives none', () => {
    const q = connect({ maxAttempts: 2 });
    const id = q.enqueue('x');
    const [first] = q.claim(1, 60_000);
    expect(q.release(id, first!.receipt, 0, 'downstream 503')).toBe('released');
    const [second] = q.claim(1, 60_000);
    expect(q.release(id, second!.receipt, 0)).toBe('dead_lettered');
    expect(q.deadLetter(id)).toMatchObject({ id, body: 'x', attempts: 2, error: 'downstream 503' });
  });

  it('claims at most max messages, oldest first', () => {
    const q = connect();
    const ids = ['a', 'b', 'c', 'd'].map((body) => q.enqueue(body));
    expect(q.claim(2, 60_000).map((m) => m.id)).toEqual(ids.slice(0, 2));
    expect(q.claim(1, 60_000).map((m) => m.id)).toEqual([ids[2]]);
    expect(q.depth()).toEqual({ visible: 1, leased: 3, delayed: 0, dead: 0 });
  });

  it('commits an enqueue and a replay with synchronous=FULL, so an accepted message survives a power cut', () => {
    // What a commit waits for is not observable from the file afterwards; the setting in force
    // when the message's row is written is. Every statement run on any connection is recorded.
    const q = connect({ maxAttempts: 1 });
    const scratch = new Database(':memory:');
    const statement = Object.getPrototypeOf(scratch.prepare('SELECT 1')) as { run: (...args: unknown[]) => unknown };
    scratch.close();
    const writes: [string, unknown][] = [];
    const run = statement.run;
    const spy = jest.spyOn(statement, 'run').mockImplementation(function (this: { source: string; database: { pragma(s: string, o: object): unknown } }, ...args: unknown[]) {
      if (/^\s*INSERT INTO queue_messages/.test(this.source)) writes.push([this.source.includes('SELECT') ? 'replay' : 'enqueue', this.database.pragma('synchronous', { simple: true })]);
      return run.apply(this, args);
    });
    try {
      const id = q.enqueue('x');
      const [m] = q.claim(1, 60_000);
      expect(q.release(id, m!.receipt, 0, 'fatal')).toBe('dead_lettered');
      expect(q.replay(id)).toBe(true);
    } finally {
      spy.mockRestore();
    }
    expect(writes).toEqual([['enqueue', 2], ['replay', 2]]);
  });

  it('dead-letters a message whose consumer dies maxAttempts times', () => {
    const q = connect({ maxAttempts: 2 });
    const id = q.enqueue('crashes the worker');
    const [m] = q.claim(1, 1_000);
    q.release(id, m!.receipt, 0, 'timeout');
    q.claim(1, 1_000); // claimed, never acked: the worker died
    clock.advance(1_000);
    expect(q.claim(1, 1_000)).toEqual([]);
    expect(q.deadLetters()).toEqual([
      { id, body: 'crashes the worker', attempts: 2, error: 'lease expired without ack after 2 attempts; last error: timeout', failedAt: START + 1_000 },
    ]);
  });

  it('survives close and reopen, leases and dead letters included', () => {
    const q = connect({ maxAttempts: 1 });
    q.enqueue('one');
    q.enqueue('two');
    const [dead] = q.claim(1, 60_000);
    q.release(dead!.id, dead!.receipt, 0, 'fatal');
    q.enqueue('three');
    q.claim(1, 60_000);
    q.close();
    open.splice(0);

    const again = connect({ maxAttempts: 1 });
    expect(again.depth()).toEqual({ visible: 1, leased: 1, delayed: 0, dead: 1 });
    expect(again.claim(5, 60_000).map((m) => m.body)).toEqual(['three']);
    expect(again.deadLetters().map((d) => [d.body, d.error])).toEqual([['one', 'fatal']]);
  });

  it('keeps named queues in one file apart', () => {
    const [events, other] = [connect({ name: 'events' }), connect({ name: 'deliveries' })];
    events.enqueue('e');
    other.enqueue('d');
    expect(events.claim(5, 1_000).map((m) => m.body)).toEqual(['e']);
    expect(other.claim(5, 1_000).map((m) => m.body)).toEqual(['d']);
  });

  it('pages through every dead letter and finds any one by id', () => {
    const q = connect({ maxAttempts: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push(q.enqueue(`m${i}`));
    q.claim(100, 1000).forEach((m, i) => {
      // Letters share failure times (three to a millisecond): a page boundary must not skip or repeat them.
      if (i % 3 === 0) clock.advance(1);
      expect(q.release(m.id, m.receipt, 0, 'boom')).toBe('dead_lettered');
    });
    const seen: string[] = [];
    // Bounded: a cursor that repeats its last letter would otherwise page forever.
    for (let page = q.deadLetters(7), pages = 0; page.length > 0 && pages < 10; page = q.deadLetters(7, page.at(-1)), pages++) seen.push(...page.map((l) => l.id));
    expect(seen.sort()).toEqual([...ids].sort());
    expect(q.deadLetter(ids[24]!)).toMatchObject({ id: ids[24], body: 'm24', error: 'boom', attempts: 1 });
    expect(q.deadLetter('nope')).toBeUndefined();
    const other = connect({ name: 'other' }); // another queue in the file
    expect(other.deadLetter(ids[0]!)).toBeUndefined();
    expect(other.replay(ids[0]!)).toBe(false);
    expect(other.claim(10, 1000)).toEqual([]);
    expect(q.deadLetter(ids[0]!)).toMatchObject({ id: ids[0], body: 'm0' });
  });

  it('mustExist opens an existing queue file only, creating nothing', () => {
    const path = join(dir, 'nowhere', 'queue.db');
    expect(() => sqliteQueue({ path, clock, mustExist: true })).toThrow();
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
    connect().enqueue('x');
    const q = sqliteQueue({ path: join(dir, 'data', 'queue.db'), clock, mustExist: true });
    open.push(q);
    expect(q.depth().visible).toBe(1);
  });

  it('never hands one message to two processes', async () => {
    const q = connect();
    const ids = Array.from({ length: 150 }, (_, i) => q.enqueue(`m${i}`));
    const won = await raceProcesses(4, ['queue', join(dir, 'data', 'queue.db'), '0', String(START)]);
    const all = won.flat();
    expect(all).toHaveLength(ids.length);
    expect(new Set(all)).toEqual(new Set(ids));
    expect(q.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 0 });
  });
});
