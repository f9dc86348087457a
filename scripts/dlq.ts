/**
 * `npm run dlq -- [list | show <id> | replay <id> | replay-all]`: the local dead-letter queue.
 * Events the router failed on too often wait in $SECORCH_DATA_DIR/queue.db; this lists them with
 * their last error, shows one, or puts them back on the queue (the running `npm start` picks them
 * up within a minute, or at the next publish). It opens the queue npm start created and never
 * creates one: a mistyped SECORCH_DATA_DIR is an error, not an empty list.
 *
 * Exit codes: 0 done, 1 no such dead letter or no queue, 2 a command line it does not understand
 * (what it printed to stdout is then only the usage, asked for with --help).
 */
import { resolve } from 'node:path';
import { type Clock, systemClock } from '../shared/ports';
import { redactText } from '../shared/log/redact';
import { type DeadLetter, type SqliteQueue, sqliteQueue } from '../providers/local/sqlite-queue';
import { DataDirError, existingDataFile } from './data-dir';

export const USAGE = [
  'usage: npm run dlq -- [list | show <id> | replay <id> | replay-all]',
  '  list          every dead letter, oldest first: id, when it failed (UTC), attempts, event type, last error',
  '  show <id>     one dead letter whole, as JSON, with the event it holds',
  '  replay <id>   put it back on the queue: npm start routes it at once, or when it next starts',
  '  replay-all    replay every dead letter, each once; says how many are dead again',
  'It reads $SECORCH_DATA_DIR/queue.db (default .data/queue.db).',
].join('\n');

export interface DlqOptions {
  clock?: Clock;
  /** Dead letters read per query. */
  pageSize?: number;
  /** Where problems go (stderr); `print` when unset. */
  err?: (line: string) => void;
}

type Command = { name: 'list' | 'replay-all' } | { name: 'show' | 'replay'; id: string } | { name: 'help' };

/**
 * The command line, checked whole: a flag or an extra argument used to be ignored, so
 * `replay a b` replayed a alone, and `list --json` printed the plain list as if understood.
 */
export function parseArgs(args: readonly string[]): Command | { problem: string } {
  if (args.some((a) => a === '-h' || a === '--help' || a === 'help')) return { name: 'help' };
  const [name = 'list', ...rest] = args;
  const option = rest.find((a) => a.startsWith('-'));
  if (name.startsWith('-') || option !== undefined) return { problem: `unknown option "${printable(option ?? name)}"` };
  switch (name) {
    case 'list':
    case 'replay-all':
      return rest.length === 0 ? { name } : { problem: `${name} takes no arguments (got ${quoted(rest)})` };
    case 'show':
    case 'replay':
      if (rest.length === 0 || rest[0] === '') return { problem: `${name} needs the id of a dead letter (see: npm run dlq -- list)` };
      return rest.length === 1 ? { name, id: rest[0]! } : { problem: `${name} takes one id (got ${quoted(rest)})` };
    default:
      return { problem: `unknown command "${printable(name)}"` };
  }
}

const quoted = (args: readonly string[]) => args.map((a) => `"${printable(a)}"`).join(' ');

/** Every dead letter, oldest first, a page at a time. */
function* all(queue: SqliteQueue, pageSize: number): Generator<DeadLetter> {
  for (let page = queue.deadLetters(pageSize); page.length > 0; page = queue.deadLetters(pageSize, page.at(-1))) yield* page;
}

export function dlq(queue: SqliteQueue, args: string[], print: (line: string) => void, opts: DlqOptions = {}): number {
  const err = opts.err ?? print;
  const command = parseArgs(args);
  const pageSize = opts.pageSize ?? 500;
  if ('problem' in command) return usageError(command.problem, err);
  switch (command.name) {
    case 'help':
      print(USAGE);
      return 0;
    case 'list': {
      let n = 0;
      for (const l of all(queue, pageSize)) {
        n += 1;
        // The error is a destination's answer or a library's message: a token or a webhook URL in
        // it is redacted as in the logs (show prints the letter as stored, when asked for it).
        print(printable(`${l.id}  ${new Date(l.failedAt).toISOString()}  attempts=${l.attempts}  ${typeOf(l.body)}  ${redactText(l.error ?? '')}`));
      }
      if (n === 0) print('no dead letters');
      return 0;
    }
    case 'show': {
      const l = queue.deadLetter(command.id);
      if (!l) return notFound(command.id, err);
      // failedAt as `list` prints it (ISO 8601, UTC), not the stored epoch milliseconds.
      // JSON escapes C0 controls in strings but not C1 ones; the layout's own line breaks stay.
      const shown = { ...l, failedAt: new Date(l.failedAt).toISOString(), body: parse(l.body) };
      print(JSON.stringify(shown, null, 2).split('\n').map(printable).join('\n'));
      return 0;
    }
    case 'replay':
      if (!queue.replay(command.id)) return notFound(command.id, err);
      print(`replayed ${command.id}`);
      return 0;
    case 'replay-all':
      return replayAll(queue, print, pageSize, (opts.clock ?? systemClock).now());
  }
}

function usageError(problem: string, err: (line: string) => void): number {
  err(`secorch dlq: ${problem}; see: npm run dlq -- --help`);
  return 2;
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

function notFound(id: string, err: (line: string) => void): number {
  err(printable(`secorch dlq: no dead letter ${id} (see: npm run dlq -- list)`));
  return 1;
}

/** The command line: opens $SECORCH_DATA_DIR/queue.db if it exists; problems are one line on stderr. */
export function main(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): number {
  // The command line first: --help needs no queue, and a typo is reported as one, not as a
  // missing data directory.
  const command = parseArgs(argv);
  if ('problem' in command) return usageError(command.problem, err);
  if (command.name === 'help') {
    out(USAGE);
    return 0;
  }
  let queue: SqliteQueue;
  try {
    const path = existingDataFile(resolve(env.SECORCH_DATA_DIR || '.data'), 'queue.db');
    queue = sqliteQueue({ path, clock: systemClock, name: 'events', mustExist: true });
  } catch (e) {
    err(`secorch dlq: ${e instanceof DataDirError ? e.message : `cannot open the queue: ${(e as Error).message}`}`);
    return 1;
  }
  try {
    return dlq(queue, argv, out, { err });
  } finally {
    queue.close();
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.env, (line) => console.log(line), (line) => console.error(line));
}
