import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEvent } from '../../functions/event-router/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { describeEventBusContract } from '../../shared/ports/bus-contract.testkit';
import { fixedClock } from '../../shared/ports/clock';
import { MAX_EVENTS_PER_COMMIT, sqliteBus } from './bus-sqlite';
import { type SqliteQueue, sqliteQueue } from './sqlite-queue';

const event: CloudEvent = {
  specversion: '1.0',
  id: 'evt-1',
  source: 'webhook:github',
  type: 'secorch.webhook.received',
  data: { alert: 'é 🔐' },
};
let dir: string;
let queue: SqliteQueue;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'secorch-bus-'));
  queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: fixedClock(0) });
});
afterEach(() => {
  queue.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sqliteBus', () => {
  it('commits the event JSON before resolving, then calls onPublished', async () => {
    // A second connection, as the router's worker thread would have, sees the event from the hook.
    const router = sqliteQueue({ path: join(dir, 'queue.db'), clock: fixedClock(0) });
    const seen: string[] = [];
    const bus = sqliteBus({ queue, onPublished: () => void seen.push(...router.claim(10, 1_000).map((m) => m.body)) });
    await bus.publish(event);
    expect(seen.map((b) => JSON.parse(b))).toEqual([event]);
    router.close();
  });

  it('ignores an onPublished that throws or rejects', async () => {
    for (const onPublished of [() => { throw new Error('nudge failed'); }, () => Promise.reject(new Error('nudge failed'))]) {
      await expect(sqliteBus({ queue, onPublished }).publish(event)).resolves.toBeUndefined();
    }
    expect(queue.depth().visible).toBe(2);
  });

  it('rejects, without calling onPublished, when the queue cannot take the event', async () => {
    const onPublished = jest.fn();
    const bus = sqliteBus({ queue, onPublished });
    await expect(bus.check()).resolves.toBeUndefined();
    queue.close();
    await expect(bus.publish(event)).rejects.toThrow();
    await expect(bus.check()).rejects.toThrow();
    expect(onPublished).not.toHaveBeenCalled();
    queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: fixedClock(0) });
  });
});

describe('sqliteBus group commit', () => {
  const numbered = (n: number): CloudEvent => ({ ...event, id: `evt-${n}` });
  const commits = () => {
    const sizes: number[] = [];
    const enqueueAll = queue.enqueueAll.bind(queue);
    jest.spyOn(queue, 'enqueueAll').mockImplementation((bodies) => {
      sizes.push(bodies.length);
      return enqueueAll(bodies);
    });
    return sizes;
  };

  it('puts the events published in one turn in with one commit, in order, each resolved once stored', async () => {
    const sizes = commits();
    const onPublished = jest.fn();
    const bus = sqliteBus({ queue, onPublished });
    const router = sqliteQueue({ path: join(dir, 'queue.db'), clock: fixedClock(0) });
    const published = Array.from({ length: 20 }, (_, i) => bus.publish(numbered(i)));
    await Promise.all(published);
    expect(sizes).toEqual([20]);
    expect(onPublished).toHaveBeenCalledTimes(1);
    expect(router.claim(100, 1_000).map((m) => JSON.parse(m.body).id)).toEqual(Array.from({ length: 20 }, (_, i) => `evt-${i}`));
    await bus.publish(numbered(20));
    expect(sizes).toEqual([20, 1]);
    router.close();
  });

  it(`splits a turn's events into commits of at most ${MAX_EVENTS_PER_COMMIT}`, async () => {
    const sizes = commits();
    const bus = sqliteBus({ queue });
    await Promise.all(Array.from({ length: MAX_EVENTS_PER_COMMIT * 2 + 3 }, (_, i) => bus.publish(numbered(i))));
    expect(sizes).toEqual([MAX_EVENTS_PER_COMMIT, MAX_EVENTS_PER_COMMIT, 3]);
    expect(queue.depth().visible).toBe(MAX_EVENTS_PER_COMMIT * 2 + 3);
  });

  it('rejects every publish of a failed commit and stores none of its events', async () => {
    const bus = sqliteBus({ queue });
    const broken = new Error('disk I/O error');
    jest.spyOn(queue, 'enqueueAll').mockImplementationOnce(() => { throw broken; });
    const results = await Promise.allSettled([bus.publish(numbered(1)), bus.publish(numbered(2))]);
    expect(results).toEqual([{ status: 'rejected', reason: broken }, { status: 'rejected', reason: broken }]);
    expect(queue.depth().visible).toBe(0);
    await bus.publish(numbered(3));
    expect(queue.depth().visible).toBe(1);
  });

  it('fails only the publish of an event that cannot be serialized', async () => {
    const bus = sqliteBus({ queue });
    const bad = { ...event, id: 'evt-bad', data: { n: 1n } } as unknown as CloudEvent;
    const results = await Promise.allSettled([bus.publish(numbered(1)), bus.publish(bad), bus.publish(numbered(2))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(queue.claim(10, 1_000).map((m) => JSON.parse(m.body).id)).toEqual(['evt-1', 'evt-2']);
  });
});

/**
 * The EventBus contract on a real SQLite queue file: received = what the router's worker reads
 * through its own connection (claim, as drainQueue does), the body parsed as the router parses
 * it. The local queue has no message size limit.
 */
describeEventBusContract('sqliteBus on a SQLite queue file', async () => {
  const home = mkdtempSync(join(tmpdir(), 'secorch-bus-contract-'));
  const path = join(home, 'queue.db');
  const writer = sqliteQueue({ path, clock: fixedClock(0) });
  const router = sqliteQueue({ path, clock: fixedClock(0) });
  const closed = sqliteQueue({ path: join(home, 'closed.db'), clock: fixedClock(0) });
  closed.close();
  const got: CloudEvent[] = [];
  return {
    bus: sqliteBus({ queue: writer }),
    async received() {
      for (let batch = router.claim(10, 600_000); batch.length > 0; batch = router.claim(10, 600_000)) {
        got.push(...batch.map((m) => parseEvent(m.body)));
      }
      return [...got];
    },
    unhealthy: async () => sqliteBus({ queue: closed }),
    cleanup: async () => {
      writer.close();
      router.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
});
