import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../shared/ports';
import { type SqliteQueue, sqliteQueue } from '../providers/local/sqlite-queue';
import { dlq, main } from './dlq';

/**
 * `npm run dlq` past the first page of dead letters (the review found it stopped at 1,000), and
 * against a SECORCH_DATA_DIR that holds no queue. Real queue files.
 */
const T0 = Date.parse('2026-01-01T00:00:00Z');
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'dlq-many-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const event = (i: number) => JSON.stringify({ specversion: '1.0', id: `x${i}`, source: 's', type: 't.x' });

/** A queue file with `n` dead letters (one attempt each). */
function deadQueue(n: number): { queue: SqliteQueue; ids: string[] } {
  const queue = sqliteQueue({ path: join(dir, 'queue.db'), clock: fixedClock(T0), name: 'events', maxAttempts: 1 });
  const ids = Array.from({ length: n }, (_, i) => queue.enqueue(event(i)));
  for (let ms = queue.claim(100, 1000); ms.length > 0; ms = queue.claim(100, 1000)) for (const m of ms) queue.release(m.id, m.receipt, 0, 'boom');
  return { queue, ids };
}

test('list prints every dead letter, show finds the 1005th, replay-all replays them all', () => {
  const { queue, ids } = deadQueue(1005);
  const out: string[] = [];
  expect(dlq(queue, ['list'], (l) => out.push(l), { pageSize: 100 })).toBe(0);
  expect(out).toHaveLength(1005);
  expect(new Set(out.map((l) => l.split(' ')[0]))).toEqual(new Set(ids));
  const last = ids[1004]!;
  out.length = 0;
  expect(dlq(queue, ['show', last], (l) => out.push(l))).toBe(0);
  expect(JSON.parse(out[0]!)).toMatchObject({ id: last, body: { id: 'x1004' } });
  out.length = 0;
  expect(dlq(queue, ['replay-all'], (l) => out.push(l), { clock: fixedClock(T0) })).toBe(0);
  expect(out).toEqual(['replayed 1005']);
  expect(queue.depth()).toMatchObject({ visible: 1005, dead: 0 });
  queue.close();
});

test('replay-all ends when every replay fails again at once, replaying each letter once', () => {
  const { queue } = deadQueue(250);
  const replay = queue.replay.bind(queue);
  let replays = 0;
  // The router takes each replayed event at once and fails it again (same millisecond).
  queue.replay = (id) => {
    replays += 1;
    if (!replay(id)) return false;
    const [m] = queue.claim(1, 1000);
    queue.release(m!.id, m!.receipt, 0, 'boom again');
    return true;
  };
  const out: string[] = [];
  expect(dlq(queue, ['replay-all'], (l) => out.push(l), { clock: fixedClock(T0), pageSize: 40 })).toBe(0);
  expect(replays).toBe(250);
  expect(out).toEqual(['replayed 250', '250 dead letters now (failed again since the replay, or new): npm run dlq -- list']);
  queue.close();
});

describe('the data directory', () => {
  const run = (dataDir: string, args = ['list']) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = main(args, { SECORCH_DATA_DIR: dataDir }, (l) => out.push(l), (l) => err.push(l));
    return { code, out, err };
  };

  test('a path with no queue is an error that creates nothing', () => {
    const missing = join(dir, 'nonexistent');
    expect(run(missing)).toEqual({ code: 1, out: [], err: [`secorch dlq: no data directory at ${missing}: set SECORCH_DATA_DIR to the folder npm start uses (default .data/)`] });
    expect(existsSync(missing)).toBe(false);
    expect(run(dir).err).toEqual([`secorch dlq: no queue.db in ${dir}: nothing has been queued there yet, or SECORCH_DATA_DIR is not the folder npm start uses`]);
    expect(existsSync(join(dir, 'queue.db'))).toBe(false);
  });

  test('a path that is a file is one clear line', () => {
    const file = join(dir, 'afile');
    writeFileSync(file, 'x');
    expect(run(file)).toEqual({ code: 1, out: [], err: [`secorch dlq: SECORCH_DATA_DIR ${file} exists and is not a folder; point SECORCH_DATA_DIR at a folder (it is created when missing)`] });
  });

  test('an existing queue is opened', () => {
    deadQueue(2).queue.close();
    const r = run(dir);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(2);
  });
});
