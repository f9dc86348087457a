import { fixedClock } from '../../shared/ports/clock';
import { sqliteQueue } from './sqlite-queue';
import { sqliteStore } from './sqlite-store';

/**
 * A separate OS process for the multi-process tests of sqlite-store and sqlite-queue: it opens its
 * connection, prints "ready", waits for a line on stdin so that all racers start together, then
 * races and prints what it won as one JSON line.
 *   node --import tsx sqlite-race.fixture.ts store|queue|queue-opened-late <path> <count> <clock ms>
 * All racers take the keys in one order, so they contend for the same key at the same moment.
 * The pause between operations stands for a worker's other work: without it the first racer
 * takes everything while the others wait for the lock.
 * `queue-opened-late` opens the queue only after the start line: the racers open one file
 * together, as npm start's processes do (and bring a file made by an older version up to date).
 */
const pause = () => new Promise((resolve) => setTimeout(resolve, 1));

async function main(): Promise<void> {
  const [mode, path = '', count = '0', start = '0'] = process.argv.slice(2);
  const clock = fixedClock(Number(start));
  const store = mode === 'store' ? sqliteStore({ path, clock }) : undefined;
  let queue = mode === 'queue' ? sqliteQueue({ path, clock }) : undefined;
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  if (mode === 'queue-opened-late') queue = sqliteQueue({ path, clock });
  const won: string[] = [];
  if (store) {
    for (let i = 0; i < Number(count); i++) {
      const key = `k${i}`;
      if (await store.put(key, String(process.pid), { ifAbsent: true })) won.push(key);
      await pause();
    }
    store.close();
  }
  while (queue) {
    const claimed = queue.claim(3, 60_000);
    if (claimed.length === 0) break;
    for (const m of claimed) {
      won.push(m.id);
      queue.ack(m.id, m.receipt);
    }
    await pause();
  }
  queue?.close();
  process.stdout.write(`${JSON.stringify(won)}\n`);
  process.stdin.destroy();
}

void main();
