/**
 * `npm run dlq -- [list | show <id> | replay <id> | replay-all]`: the local dead-letter queue.
 * Events the router failed on too often wait in $SECORCH_DATA_DIR/queue.db; this lists them with
 * their last error, shows one, or puts them back on the queue (the running `npm start` picks them
 * up within a minute, or at the next publish).
 */
import { join, resolve } from 'node:path';
import { systemClock } from '../shared/ports';
import { type SqliteQueue, sqliteQueue } from '../providers/local/sqlite-queue';

export function dlq(queue: SqliteQueue, args: string[], print: (line: string) => void): number {
  const [command = 'list', id] = args;
  const letters = queue.deadLetters(1000);
  switch (command) {
    case 'list':
      if (letters.length === 0) print('no dead letters');
      for (const l of letters) {
        const type = (JSON.parse(l.body) as { type?: string }).type ?? '?';
        print(`${l.id}  ${new Date(l.failedAt).toISOString()}  attempts=${l.attempts}  ${type}  ${l.error ?? ''}`);
      }
      return 0;
    case 'show': {
      const l = letters.find((x) => x.id === id);
      if (!l) return notFound(id, print);
      print(JSON.stringify({ ...l, body: JSON.parse(l.body) }, null, 2));
      return 0;
    }
    case 'replay':
      if (!id || !queue.replay(id)) return notFound(id, print);
      print(`replayed ${id}`);
      return 0;
    case 'replay-all':
      for (const l of letters) queue.replay(l.id);
      print(`replayed ${letters.length}`);
      return 0;
    default:
      print(`unknown command "${command}"; use list, show <id>, replay <id> or replay-all`);
      return 2;
  }
}

function notFound(id: string | undefined, print: (line: string) => void): number {
  print(id ? `no dead letter ${id}` : 'give the id of a dead letter (see: npm run dlq -- list)');
  return 1;
}

if (require.main === module) {
  const path = join(resolve(process.env.SECORCH_DATA_DIR || '.data'), 'queue.db');
  const queue = sqliteQueue({ path, clock: systemClock, name: 'events' });
  process.exitCode = dlq(queue, process.argv.slice(2), (line) => console.log(line));
  queue.close();
}
