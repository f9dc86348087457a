import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../shared/ports/clock';
import { sqliteQueue } from './sqlite-queue';

/**
 * A message that kills the router worker's process (a native abort) while a batch of ten is in
 * hand, with real processes on a real queue file: restarted as npm start restarts its workers
 * (scripts/workers.ts: again after each exit), the worker routes the nine others and only the
 * poison one reaches the dead-letter table. Before, the whole batch came back together after
 * each crash and all ten were dead-lettered after five.
 */
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-drain-crash-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const START = Date.parse('2026-01-01T00:00:00Z');
/** Between two starts of the worker: well past the one-minute lease of what the last one held. */
const RESTART_MS = 10 * 60_000;
const event = (id: string) => JSON.stringify({ specversion: '1.0', id, source: 's', type: 't' });

/** Runs the worker once with its clock at `now`: how it ended, and its stderr for a failure message. */
function runWorker(args: string[], now: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> {
  const fixture = join(__dirname, 'drain-crash.fixture.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args, String(now)], { cwd: join(__dirname, '../..'), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, err })));
}

test('a message that aborts its worker mid-batch is the only one dead-lettered; the nine others are routed', async () => {
  const path = join(dir, 'queue.db');
  const log = join(dir, 'started.log');
  const clock = fixedClock(START);
  const queue = sqliteQueue({ path, clock });
  try {
    const ids = Array.from({ length: 10 }, (_, i) => `e${i}`);
    const [poisonId] = queue.enqueueAll(ids.map(event)).slice(4, 5);
    const ends: string[] = [];
    // Restarted after every exit while anything is left on the queue; bounded for a regression
    // that would restart it for ever.
    for (let run = 0; run < 12; run++) {
      const end = await runWorker([path, log, 'e4'], START + run * RESTART_MS);
      ends.push(end.signal ?? String(end.code));
      if (end.signal === null && end.code !== 0) throw new Error(`worker failed (${end.code}): ${end.err}`);
      const { visible, leased, delayed } = queue.depth();
      if (visible + leased + delayed === 0) break;
    }
    // How often each event was started, and at which receive.
    const starts = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    const count = (id: string) => starts.filter(([s]) => s === id).length;
    expect(queue.deadLetters()).toEqual([
      { id: poisonId, body: event('e4'), attempts: 5, error: 'lease expired without ack after 5 attempts', failedAt: START + (ends.length - 1) * RESTART_MS },
    ]);
    expect(queue.depth()).toEqual({ visible: 0, leased: 0, delayed: 0, dead: 1 });
    // e0-e3 were routed in the batch the abort ended (never acknowledged) and again, alone, at
    // the next start; e5-e9 were not reached before the abort, and routed once, alone.
    expect(ids.map(count)).toEqual([2, 2, 2, 2, 6, 1, 1, 1, 1, 1]);
    // The abort's claim counted against none of the nine: every start of theirs was at receive 1.
    expect(starts.filter(([s]) => s !== 'e4').map(([, receive]) => receive)).toEqual(Array(13).fill('1'));
    // The poison event: in the batch, then alone at receives 1 to 5 (the batch's receive was not
    // its doing); at the next start it is dead-lettered unclaimed and the worker ends cleanly.
    expect(starts.filter(([s]) => s === 'e4').map(([, receive]) => receive)).toEqual(['1', '1', '2', '3', '4', '5']);
    expect(ends).toEqual(['SIGABRT', 'SIGABRT', 'SIGABRT', 'SIGABRT', 'SIGABRT', 'SIGABRT', '0']);
  } finally {
    queue.close();
  }
}, 180_000);
