import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLAIM_TTL_SECONDS } from '../../functions/event-router/claim';
import { eventRouter } from '../../functions/event-router/handler';
import { MAX_REDELIVERY_DELAY_MS } from '../../shared/contracts';
import { ConnectorError } from '../../shared/connectors/errors';
import { destinations } from '../../shared/destinations';
import { AppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { testDeps } from '../../test/deps';
import { drainQueue, retryDelayMs } from './drain';
import { sqliteQueue } from './sqlite-queue';
import { sqliteStore } from './sqlite-store';

/**
 * Redelivery timing of the local queue, on real queue and store files: a failed record comes back
 * no earlier than the wait its error asks for, and two consumers of one message (the first one's
 * lease lapsed while it was still routing) call a destination once.
 */
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-redelivery-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const event = (id: string) => JSON.stringify({ specversion: '1.0', id, source: '/webhooks/github', type: 'secorch.finding.created', tenant: 'default' });
const rateLimited = (retryAfterMs: number) => new ConnectorError('connector_rate_limited', 'jira: rate limited', { connector: 'jira', vendorStatus: 429, retryAfterMs });

test('a record whose error asks for a wait (a vendor 429 with Retry-After) comes back no earlier than that, capped at 15 min', async () => {
  const { deps, clock } = testDeps();
  const queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: deps.clock });
  try {
    queue.enqueue(event('limited'));
    let asked: number | undefined = 90_000;
    const handler = async () => {
      if (asked !== undefined) throw rateLimited(asked);
    };
    expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 1 });
    // The first retry would have come after 1 s; the vendor asked for 90 s.
    clock.advance(89_999);
    expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 0 });
    clock.advance(1);
    asked = 2 * 3600_000; // a Retry-After of two hours: capped
    expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 0, failed: 1 });
    clock.advance(MAX_REDELIVERY_DELAY_MS - 1);
    expect(queue.depth()).toMatchObject({ visible: 0, delayed: 1 });
    clock.advance(1);
    asked = undefined;
    expect(await drainQueue(queue, handler, deps)).toEqual({ handled: 1, failed: 0 });
  } finally {
    queue.close();
  }
});

test('a wait shorter than the backoff, or none, keeps the backoff', () => {
  expect(retryDelayMs(1, rateLimited(200))).toBe(1_000);
  expect(retryDelayMs(3, rateLimited(10_000))).toBe(30_000);
  expect(retryDelayMs(3, rateLimited(31_000))).toBe(31_000);
  expect(retryDelayMs(9, new AppError('x', 'y', { status: 503 }))).toBe(600_000);
  expect(retryDelayMs(2, new Error('plain'))).toBe(5_000);
});

/** Two local consumers (the router loop and the one-minute schedule) on their own connections to the same files. */
function twoConsumers() {
  const t = testDeps({
    routes: [{ name: 'findings', filter: { prefix: { type: 'secorch.finding.' } }, to: ['slow'] }],
    destinations: { slow: { type: 'file', path: join(dir, 'unused.jsonl') } },
  });
  const open = () => ({
    queue: sqliteQueue({ path: join(dir, 'queue.db'), clock: t.clock }),
    store: sqliteStore({ path: join(dir, 'state.db'), clock: t.clock }),
  });
  const [a, b] = [open(), open()];
  const depsOf = (c: typeof a): Deps => ({ ...t.deps, store: c.store });
  // The first call waits until `finish`; later calls return at once.
  const slow = { calls: 0, finish: (_error?: unknown) => undefined as void };
  const gate = new Promise<unknown>((resolve) => (slow.finish = resolve));
  destinations(t.deps.config).set('slow', async () => {
    if (++slow.calls > 1) return;
    const error = await gate;
    if (error) throw error;
  });
  const close = () => [a, b].forEach((c) => (c.queue.close(), c.store.close()));
  return { ...t, a, b, depsOf, slow, close };
}

const turn = () => new Promise((r) => setImmediate(r));
/** Runs `run` until it settles or the destination is called a second time, whichever comes first. */
async function settledOrCalledAgain<T>(slow: { calls: number }, run: Promise<T>): Promise<T | 'called again'> {
  let done = false;
  void run.then(() => (done = true), () => (done = true));
  while (!done && slow.calls < 2) await turn();
  return done ? run : 'called again';
}

test('the message taken over by a second consumer while the first still routes it: the destination is called once', async () => {
  const { a, b, depsOf, slow, clock, close } = twoConsumers();
  try {
    a.queue.enqueue(event('e1'));
    const first = drainQueue(a.queue, eventRouter, depsOf(a));
    while (slow.calls === 0) await turn();
    // The first consumer's lease lapses (its renewals stopped: a stalled event loop, a batch held
    // past 15 min), so the second consumer claims the same message.
    clock.advance(60_001);
    const second = await settledOrCalledAgain(slow, drainQueue(b.queue, eventRouter, depsOf(b)));
    expect(second).toEqual({ handled: 0, failed: 1 });
    expect(slow.calls).toBe(1);
    slow.finish();
    expect(await first).toEqual({ handled: 1, failed: 0 });
    // The second consumer's copy comes back once the claim has lapsed, finds the mark, and is acknowledged.
    clock.advance(CLAIM_TTL_SECONDS * 1000 - 60_001);
    expect(await drainQueue(b.queue, eventRouter, depsOf(b))).toEqual({ handled: 1, failed: 0 });
    expect(slow.calls).toBe(1);
    expect(b.queue.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 0 });
  } finally {
    close();
  }
});

test('a consumer that died while calling: its copy is not dead-lettered while the claim holds, and is routed once the claim lapses', async () => {
  const { a, b, depsOf, slow, clock, close } = twoConsumers();
  try {
    a.queue.enqueue(event('e2'));
    const dead = drainQueue(a.queue, eventRouter, depsOf(a)); // never returns until the end: it "died"
    while (slow.calls === 0) await turn();
    clock.advance(60_001);
    // Without the asked wait the message came back after 5 s, 30 s, 2 min (attempts 3 to 5) and
    // was dead-lettered at its fifth failure, 3.5 min in: before the 5 min claim had lapsed.
    for (let i = 0; i < 10 && slow.calls < 2; i++) {
      await drainQueue(b.queue, eventRouter, depsOf(b));
      clock.advance(30_000);
    }
    expect(b.queue.depth().dead).toBe(0);
    expect(slow.calls).toBe(2);
    expect(b.queue.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 0 });
    slow.finish(new Error('the dead consumer is gone'));
    await dead;
  } finally {
    close();
  }
});
