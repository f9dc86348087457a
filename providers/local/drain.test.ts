import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventRouter } from '../../functions/event-router/handler';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { listDeadLetters } from '../../shared/deadletters/store';
import { destinations } from '../../shared/destinations';
import { AppError } from '../../shared/errors';
import { testDeps } from '../../test/deps';
import { drainQueue } from './drain';
import { sqliteQueue } from './sqlite-queue';

/** The local event source mapping on a real queue file. */
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-drain-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a stop ends the drain after the record in hand, which is acknowledged; the rest of its batch is given back uncounted', async () => {
  const { deps } = testDeps();
  const queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: deps.clock });
  for (let i = 0; i < 30; i++) queue.enqueue(JSON.stringify({ specversion: '1.0', id: `e${i}`, source: 's', type: 't' }));
  const stop = new AbortController();
  const seen: string[] = [];
  const report = await drainQueue(queue, async (record) => {
    seen.push(record.id);
    stop.abort(); // SIGTERM arrives while the first record of a batch of ten is being routed
  }, deps, 20_000, stop.signal);
  expect(report).toEqual({ handled: 1, failed: 0 });
  expect(seen).toHaveLength(1);
  // Claimable at once by the next start, and the claim that was never worked on is not counted:
  // a message on its last attempt is not dead-lettered for a stop.
  expect(queue.depth()).toEqual({ visible: 29, leased: 0, delayed: 0, dead: 0 });
  // ...and back at the head of the queue, ahead of the events queued after them.
  const next = queue.claim(9, 60_000);
  expect(next.map(idOf)).toEqual(Array.from({ length: 9 }, (_, i) => `e${i + 1}`));
  expect(next.map((m) => m.attempts)).toEqual(Array(9).fill(1));
  queue.close();
});

const event = (id: string) => JSON.stringify({ specversion: '1.0', id, source: 's', type: 't' });
const idOf = (record: { body: string }) => (JSON.parse(record.body) as { id: string }).id;
const downstream503 = () => new AppError('destination_unavailable', 'destination answered 503', { status: 503, retryable: true });

test('a failed record is not acknowledged: it comes back after 1 s, then 5 s, and is removed once handled', async () => {
  const { deps, clock } = testDeps();
  const queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: deps.clock });
  queue.enqueue(event('flaky'));
  queue.enqueue(event('fine'));
  let failures = 2;
  const handler = async (record: { body: string }) => {
    if (idOf(record) === 'flaky' && failures-- > 0) throw downstream503();
  };
  expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 1, failed: 1 });
  expect(queue.depth()).toEqual({ visible: 0, leased: 0, delayed: 1, dead: 0 });
  clock.advance(999);
  expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 0 });
  clock.advance(1);
  expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 1 });
  clock.advance(4_999);
  expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 0 });
  clock.advance(1);
  expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 1, failed: 0 });
  expect(queue.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 0 });
  queue.close();
});

test('a record that fails every time goes to the dead-letter table at its fifth failure, with the reason', async () => {
  const { deps, clock } = testDeps();
  const queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: deps.clock });
  const id = queue.enqueue(event('poison'));
  const handler = async () => {
    throw downstream503();
  };
  // The backoff ladder between failures: 1 s, 5 s, 30 s, 2 min.
  for (const wait of [1_000, 5_000, 30_000, 120_000]) {
    expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 1 });
    expect(queue.depth()).toEqual({ visible: 0, leased: 0, delayed: 1, dead: 0 });
    clock.advance(wait - 1);
    expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 0 });
    clock.advance(1);
  }
  expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 1 });
  expect(queue.deadLetters()).toEqual([
    { id, body: event('poison'), attempts: 5, error: 'destination_unavailable: destination answered 503', failedAt: clock.now() },
  ]);
  expect(queue.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 1 });
  queue.close();
});

test('a record carries its attempt and the queue\'s maxAttempts: the router keeps one failing at its last attempt under /dead-letters', async () => {
  const { deps, clock } = testDeps({
    routes: [{ name: 'all', filter: { prefix: { type: '' } }, to: ['down'] }],
    destinations: { down: { type: 'file', path: join(dir, 'unused.jsonl') } },
  });
  destinations(deps.config).set('down', async () => Promise.reject(downstream503()));
  const queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: deps.clock, maxAttempts: 2 });
  queue.enqueue(event('down'));
  const seen: InboundRecord[] = [];
  const handler: RecordHandler = async (record, d) => (seen.push(record), eventRouter(record, d));
  expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 1 });
  clock.advance(1_000);
  expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 1, failed: 0 });
  expect(seen.map((r) => [r.receiveCount, r.maxReceives])).toEqual([[1, 2], [2, 2]]);
  // Acknowledged: nothing for `npm run dlq`; the event is listed and replayable through the API.
  expect(queue.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 0 });
  const kept = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
  expect(kept).toMatchObject([{ kind: 'event', body: event('down'), reason: { code: 'destination_failed', message: 'Failed on all 2 receives: down: destination_unavailable: destination answered 503' } }]);
  queue.close();
});

test('the reason kept with a failed record has credentials redacted as in the logs: npm run dlq prints it', async () => {
  const { deps } = testDeps();
  const queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: deps.clock, maxAttempts: 1 });
  const id = queue.enqueue(event('poison'));
  const handler = async () => {
    throw new AppError('destination_failed', 'hook: POST https://hooks.slack.com/services/T000/B000/XXXXabcdXXXX?token=s3cr3tvalue answered 404', { status: 502, retryable: true });
  };
  expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 1 });
  expect(queue.deadLetter(id)?.error).toBe('destination_failed: hook: POST https://hooks.slack.com/services/[redacted]/[redacted]/[redacted]?token=[redacted] answered 404');
  queue.close();
});

test('a failing record does not stop the drain: the rest of the queue is handled in the same call', async () => {
  const { deps } = testDeps();
  const queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: deps.clock });
  for (let i = 0; i < 25; i++) queue.enqueue(event(`e${i}`));
  const seen: string[] = [];
  const report = await drainQueue(queue, async (record) => {
    seen.push(idOf(record));
    if (idOf(record) === 'e0') throw downstream503();
  }, deps);
  expect(report).toEqual({ handled: 24, failed: 1 });
  expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `e${i}`));
  expect(queue.depth()).toEqual({ visible: 0, leased: 0, delayed: 1, dead: 0 });
  queue.close();
});

test('the time budget ends the drain after the batch in hand, by the injected clock', async () => {
  const { deps, clock } = testDeps();
  const queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: deps.clock });
  for (let i = 0; i < 30; i++) queue.enqueue(event(`e${i}`));
  // Each record takes a second of the clock: the first batch of ten spends the 5 s budget.
  const report = await drainQueue(queue, async () => void clock.advance(1_000), deps, 5_000);
  expect(report).toEqual({ handled: 10, failed: 0 });
  expect(queue.depth()).toEqual({ visible: 20, leased: 0, delayed: 0, dead: 0 });
  queue.close();
});

/**
 * The clock is the deps' (leases are decided by it); the heartbeat that renews them runs on timers,
 * so both are moved together: each step is `ms` of a slow destination.
 */
const spend = async (clock: { advance(ms: number): void }, ms: number) => {
  for (let left = ms; left > 0; left -= 5_000) {
    clock.advance(5_000);
    await jest.advanceTimersByTimeAsync(5_000);
  }
};
const fakeTimers = () => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'performance'] });

test('a batch that outlives one lease keeps its messages: another consumer claims none of them meanwhile', async () => {
  fakeTimers();
  const { deps, clock } = testDeps();
  const path = join(dir, 'queue.db');
  const [queue, other] = [sqliteQueue({ path, clock: deps.clock }), sqliteQueue({ path, clock: deps.clock })];
  try {
    for (let i = 0; i < 3; i++) queue.enqueue(event(`e${i}`));
    const taken: string[] = [];
    // Each record takes 45 s (a destination spending its retry budget): the batch takes 135 s,
    // more than twice the 60 s lease, while the one-minute schedule's drain looks for work.
    const report = await drainQueue(queue, async () => {
      await spend(clock, 45_000);
      taken.push(...other.claim(10, 60_000).map(idOf));
    }, deps, 600_000);
    expect(taken).toEqual([]);
    expect(report).toEqual({ handled: 3, failed: 0 });
    expect(queue.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 0 });
  } finally {
    jest.useRealTimers();
    queue.close();
    other.close();
  }
});

test('a handler that hangs does not hold its batch for ever: past 15 min the leases lapse and another consumer takes over', async () => {
  fakeTimers();
  const { deps, clock } = testDeps();
  const path = join(dir, 'queue.db');
  const [queue, other] = [sqliteQueue({ path, clock: deps.clock }), sqliteQueue({ path, clock: deps.clock })];
  try {
    const id = queue.enqueue(event('stuck'));
    let takenOver: { id: string; attempts: number }[] = [];
    await drainQueue(queue, async () => {
      await spend(clock, 14 * 60_000);
      expect(other.claim(10, 60_000)).toEqual([]);
      await spend(clock, 2 * 60_000);
      takenOver = other.claim(10, 60_000).map((m) => ({ id: m.id, attempts: m.attempts }));
    }, deps, 3_600_000);
    expect(takenOver).toEqual([{ id, attempts: 2 }]);
  } finally {
    jest.useRealTimers();
    queue.close();
    other.close();
  }
});
