import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../shared/ports';
import { recordingLogger, type LogLine } from './inbox.testkit';
import { BEAT_EVERY_MS, heartbeat } from './heartbeat';
import { staleAfterMs, workerReadiness } from './worker-readiness';
import { freshStateDir, processAlive, readBeat, type WorkerRecord, workerStateDir, writeRecord } from './worker-state';

/**
 * The local workers' readiness from the files npm start and the workers write, on a real folder
 * with real process ids; the clock is a fixed one, moved by the test.
 */
const T0 = Date.parse('2026-05-01T09:00:00Z');
const STALE = 120_000;
let data: string;
let dir: string;
beforeEach(() => {
  data = mkdtempSync(join(tmpdir(), 'secorch-worker-ready-'));
  dir = freshStateDir(data, process.pid, processAlive);
});
afterEach(() => rmSync(data, { recursive: true, force: true }));

/** A pid no process has any more. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const running = (over: Partial<WorkerRecord> = {}): WorkerRecord => ({ state: 'running', pid: process.pid, since: T0, fastExits: 0, stableMs: 60_000, ...over });

async function checkAt(now: number) {
  return workerReadiness({ dir, clock: fixedClock(now), staleMs: STALE }).checks();
}

function beatAt(at: number, pid = process.pid): void {
  heartbeat({ dir, name: 'router-worker', clock: fixedClock(at), logger: recordingLogger([]), pid })();
}

test('a running worker is ready from its first heartbeat until its heartbeats stop for longer than the bound', async () => {
  writeRecord(dir, 'router-worker', running());
  expect(await checkAt(T0 + 500)).toEqual([{ name: 'worker:router-worker', ok: false, reason: 'starting: no heartbeat yet' }]);
  beatAt(T0 + 1000);
  expect(await checkAt(T0 + 1000 + STALE)).toEqual([{ name: 'worker:router-worker', ok: true }]);
  // Its loop stopped going round (a wait that never ends): the last beat grows old.
  expect(await checkAt(T0 + 1001 + STALE)).toEqual([{ name: 'worker:router-worker', ok: false, reason: 'stuck: no progress reported for 120 s (its loop reports every 5 s)' }]);
});

test('a worker that never beat after it started is stuck once the bound has passed; a beat of an earlier process does not count', async () => {
  writeRecord(dir, 'router-worker', running());
  beatAt(T0 + 1000, deadPid());
  expect(await checkAt(T0 + STALE + 1)).toEqual([{ name: 'worker:router-worker', ok: false, reason: 'stuck: no heartbeat in the 120 s since it started' }]);
});

test('restarting, crash-looping (also while running again until it lasted), stopped for good, gone: each named with why', async () => {
  const looping = { fastExits: 3, stableMs: 60_000, lastExit: 'code 1' };
  writeRecord(dir, 'router-worker', { state: 'restarting', since: T0, fastExits: 1, stableMs: 60_000, lastExit: 'SIGKILL' });
  writeRecord(dir, 'delivery-worker', { state: 'restarting', since: T0, ...looping });
  writeRecord(dir, 'inbox-worker', running({ ...looping, since: T0 }));
  heartbeat({ dir, name: 'inbox-worker', clock: fixedClock(T0 + 100), logger: recordingLogger([]) })();
  expect(await checkAt(T0 + 59_000)).toEqual([
    { name: 'worker:delivery-worker', ok: false, reason: 'crash-looping: exited 3 times in a row within 60 s of starting (last: code 1); npm start restarts it' },
    { name: 'worker:inbox-worker', ok: false, reason: 'crash-looping: exited 3 times in a row within 60 s of starting (last: code 1); running again for 59 s' },
    { name: 'worker:router-worker', ok: false, reason: 'restarting: it exited (SIGKILL)' },
  ]);
  // The inbox worker has now run as long as a run must, beating: ready again.
  heartbeat({ dir, name: 'inbox-worker', clock: fixedClock(T0 + 60_000), logger: recordingLogger([]) })();
  expect((await checkAt(T0 + 60_000)).find((c) => c.name === 'worker:inbox-worker')).toEqual({ name: 'worker:inbox-worker', ok: true });

  writeRecord(dir, 'router-worker', { state: 'stopped', since: T0, fastExits: 1, stableMs: 60_000, lastExit: 'code 78' });
  writeRecord(dir, 'delivery-worker', running({ pid: deadPid() }));
  const [delivery, , router] = await checkAt(T0 + 60_000);
  expect(router).toEqual({ name: 'worker:router-worker', ok: false, reason: 'stopped: it cannot run until the problem npm start printed is fixed (code 78); start npm start again afterwards' });
  expect(delivery).toEqual({ name: 'worker:delivery-worker', ok: false, reason: expect.stringMatching(/^gone: its process \d+ is not running$/) });
});

test("an npm start's folder: its own from an earlier run (a pid reused) and those of npm starts that are gone are cleared; a live one's is kept", () => {
  const gone = deadPid();
  writeRecord(dir, 'router-worker', running());
  writeRecord(workerStateDir(data, gone), 'router-worker', running());
  mkdirSync(join(data, '.secorch-workers', 'not-a-pid'));
  const other = workerStateDir(data, process.ppid);
  writeRecord(other, 'router-worker', running());
  expect(freshStateDir(data, process.pid, processAlive)).toBe(dir);
  expect([existsSync(dir), existsSync(workerStateDir(data, gone)), existsSync(join(data, '.secorch-workers', 'not-a-pid')), existsSync(other)]).toEqual([false, false, false, true]);
});

test('the heartbeat is written at most every 5 s of its clock, at once after the clock was set back, and a write that fails is logged once', () => {
  const clock = fixedClock(T0);
  const lines: LogLine[] = [];
  const beat = heartbeat({ dir, name: 'router-worker', clock, logger: recordingLogger(lines) });
  beat();
  clock.advance(BEAT_EVERY_MS - 1);
  beat();
  expect(readBeat(dir, 'router-worker')).toEqual({ pid: process.pid, at: T0 });
  clock.advance(1);
  beat();
  expect(readBeat(dir, 'router-worker')?.at).toBe(T0 + BEAT_EVERY_MS);
  clock.set(T0 - 3_600_000);
  beat();
  expect(readBeat(dir, 'router-worker')?.at).toBe(T0 - 3_600_000);
  // A file where its folder should be: the worker goes on, one warning.
  const blocked = join(data, 'blocked');
  writeFileSync(blocked, '');
  const failing = heartbeat({ dir: join(blocked, 'workers'), name: 'router-worker', clock, logger: recordingLogger(lines), everyMs: 0 });
  failing();
  failing();
  expect(lines.map((l) => [l.level, l.msg])).toEqual([['warn', 'worker heartbeat cannot be written; GET /health/ready reports the worker as stuck until it can']]);
});

test('the heartbeat bound allows a destination call of deliveries.timeoutSeconds twice over, and never less than two minutes', () => {
  expect(staleAfterMs({})).toBe(120_000);
  expect(staleAfterMs({ deliveries: { timeoutSeconds: 100 } as never })).toBe(200_000);
});
