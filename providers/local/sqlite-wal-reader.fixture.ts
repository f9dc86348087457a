import { openDatabase, whenFree } from './sqlite';

/**
 * A separate OS process for sqlite-wal.test.ts: a reader that never pauses, as the router, delivery
 * and inbox workers polling one file together can be. Each read is short, but one of them is
 * nearly always in progress. Prints "ready" after its first read; stops when stdin closes.
 *   node --import tsx sqlite-wal-reader.fixture.ts <path>
 */
const db = openDatabase(process.argv[2]!);
const read = db.prepare('SELECT count(*) FROM t WHERE rowid = ?').pluck();
let stop = false;
process.stdin.on('end', () => (stop = true)).resume();
let n = 0;
const burst = () => {
  for (let i = 0; i < 2000; i++) whenFree(db, () => read.get(n++ % 1000));
  if (stop) {
    db.close();
    return;
  }
  // Between bursts the event loop turns once, to see stdin close.
  setImmediate(burst);
};
whenFree(db, () => read.get(0));
process.stdout.write('ready\n');
burst();
