import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDeps } from '../../test/deps';
import { drainQueue } from './drain';
import { sqliteQueue } from './sqlite-queue';

/** The local event source mapping on a real queue file. */
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-drain-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a stop stops the drain after the batch in hand, which is acknowledged; the rest stays queued', async () => {
  const { deps } = testDeps();
  const queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: deps.clock });
  for (let i = 0; i < 30; i++) queue.enqueue(JSON.stringify({ specversion: '1.0', id: `e${i}`, source: 's', type: 't' }));
  const stop = new AbortController();
  const seen: string[] = [];
  const report = await drainQueue(queue, async (record) => {
    seen.push(record.id);
    stop.abort(); // SIGTERM arrives while the first batch is being routed
  }, deps, 20_000, stop.signal);
  expect(report).toEqual({ handled: 10, failed: 0 });
  expect(seen).toHaveLength(10);
  expect(queue.depth()).toEqual({ visible: 20, leased: 0, delayed: 0, dead: 0 });
  queue.close();
});
