/**
 * `npm run dlq -- [list | show <id> | replay <id> | replay-all]`: the local dead-letter queue.
 * Events the router failed on too often wait in $SECORCH_DATA_DIR/queue.db; this lists them with
 * their last error, shows one, or puts them back on the queue (the running `npm start` picks them
 * up within a minute, or at the next publish). It opens the queue npm start created and never
 * creates one: a mistyped SECORCH_DATA_DIR is an error, not an empty list.
 */
import { resolve } from 'node:path';
import { type Clock, systemClock } from '../shared/ports';
import { type DeadLetter, type SqliteQueue, sqliteQueue } from '../providers/local/sqlite-queue';
import { DataDirError, existingDataFile } from './data-dir';

export interface DlqOptions {
  clock?: Clock;
  /** Dead letters read per query. */
  pageSize?: number;
}

/** Every dead letter, oldest first, a page at a time. */
function* all(queue: SqliteQueue, pageSize: number): Generator<DeadLetter> {
  for (let page = queue.deadLetters(pageSize); page.length > 0; page = queue.deadLetters(pageSize, page.at(-1))) yield* page;
}

export function dlq(queue: SqliteQueue, args: string[], print: (line: string) => void, opts: DlqOptions = {}): number {
  const [command = 'list', id] = args;
  const pageSize = opts.pageSize ?? 500;
  switch (command) {
    case 'list': {
      let n = 0;
      for (const l of all(queue, pageSize)) {
        n += 1;
        print(printable(`${l.id}  ${new Date(l.failedAt).toISOString()}  attempts=${l.attempts}  ${typeOf(l.body)}  ${l.error ?? ''}`));
      }
      if (n === 0) print('no dead letters');
      return 0;
    }
    case 'show': {
      const l = id ? queue.deadLetter(id) : undefined;
      if (!l) return notFound(id, print);
      // failedAt as `list` prints it (ISO 8601, UTC), not the stored epoch milliseconds.
      // JSON escapes C0 controls in strings but not C1 ones; the layout's own line breaks stay.
      const shown = { ...l, failedAt: new Date(l.failedAt).toISOString(), body: parse(l.body) };
      print(JSON.stringify(shown, null, 2).split('\n').map(printable).join('\n'));
      return 0;
    }
    case 'replay':
      if (!id || !queue.replay(id)) return notFound(id, print);
      print(`replayed ${id}`);
      return 0;
    case 'replay-all':
      return replayAll(queue, print, pageSize, (opts.clock ?? systemClock).now());
    default:
      print(`unknown command "${command}"; use list, show <id>, replay <id> or replay-all`);
      return 2;
  }
}

/**
 * Replays every letter dead by `startedAt`, each at most once: one that fails again at once (or
 * one dead-lettered meanwhile) comes back with a later failure time and is left for the next
 * run, so the loop ends even while the router keeps failing.
 */
function replayAll(queue: SqliteQueue, print: (line: string) => void, pageSize: number, startedAt: number): number {
  const replayed = new Set<string>();
  for (const l of all(queue, pageSize)) {
    if (l.failedAt > startedAt) break;
    if (!replayed.has(l.id) && queue.replay(l.id)) replayed.add(l.id);
  }
  print(`replayed ${replayed.size}`);
  const left = queue.depth().dead;
  if (left > 0) print(`${left} dead letters now (failed again since the replay, or new): npm run dlq -- list`);
  return 0;
}

const parse = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
};
const typeOf = (body: string): string => {
  const type = (parse(body) as { type?: unknown } | null)?.type;
  return type === undefined ? '?' : typeof type === 'string' ? type : JSON.stringify(type);
};

/**
 * A dead letter's type and error come from outside (an event, a destination's answer): control
 * characters in them would reach the operator's terminal, where ESC and 8-bit CSI sequences can
 * rewrite the screen or set the title, and a line break could forge another row. They are printed
 * as \u escapes.
 */
const printable = (text: string): string =>
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
  text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function notFound(id: string | undefined, print: (line: string) => void): number {
  print(id ? `no dead letter ${id}` : 'give the id of a dead letter (see: npm run dlq -- list)');
  return 1;
}

/** The command line: opens $SECORCH_DATA_DIR/queue.db if it exists; problems are one line on stderr. */
export function main(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): number {
  let queue: SqliteQueue;
  try {
    const path = existingDataFile(resolve(env.SECORCH_DATA_DIR || '.data'), 'queue.db');
    queue = sqliteQueue({ path, clock: systemClock, name: 'events', mustExist: true });
  } catch (e) {
    err(`secorch dlq: ${e instanceof DataDirError ? e.message : `cannot open the queue: ${(e as Error).message}`}`);
    return 1;
  }
  try {
    return dlq(queue, argv, out);
  } finally {
    queue.close();
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.env, (line) => console.log(line), (line) => console.error(line));
}
