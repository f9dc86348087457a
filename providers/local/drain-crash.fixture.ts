import { appendFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { testDeps } from '../../test/deps';
import { drainQueue } from './drain';
import { sqliteQueue } from './sqlite-queue';

/**
 * A router worker of its own OS process for drain-crash.test.ts: drains the queue file with
 * drainQueue and a handler that notes each event it starts (one line per start, written before
 * anything else can happen) and kills the process on the poison event, as a native abort does.
 *   node --import tsx drain-crash.fixture.ts <queue path> <log path> <poison event id> <clock ms>
 * Exits 0 with its drain report on stdout once the queue has nothing claimable left.
 */
async function main(): Promise<void> {
  const [path = '', log = '', poison = '', start = '0'] = process.argv.slice(2);
  // A core dump, where the machine writes them, lands in the test's temporary folder.
  process.chdir(dirname(path));
  const { deps } = testDeps({}, {}, Number(start));
  const queue = sqliteQueue({ path, clock: deps.clock });
  const report = await drainQueue(queue, async (record) => {
    const { id } = JSON.parse(record.body) as { id: string };
    appendFileSync(log, `${id} ${record.receiveCount}\n`);
    if (id === poison) process.abort();
  }, deps);
  queue.close();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

void main();
