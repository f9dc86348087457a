import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEvent } from '../../functions/event-router/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { describeEventBusContract } from '../../shared/ports/bus-contract.testkit';
import { fixedClock } from '../../shared/ports/clock';
import { sqliteBus } from './bus-sqlite';
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
