import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_WORKERS, supervisor } from './workers';

/** npm start's worker supervision with real child processes. */
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-workers-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const script = (name: string, body: string) => {
  const path = join(dir, `${name}.js`);
  writeFileSync(path, body);
  return path;
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('stopAll waits for workers that finish their work, and kills one that does not stop within the cap, saying so', async () => {
  const lines: string[] = [];
  const s = supervisor({ env: process.env, log: (l) => lines.push(l) });
  // Each says when its handler is installed (a file): node's start-up time varies with the machine's load.
  const ready = (name: string) => `require('node:fs').writeFileSync(${JSON.stringify(join(dir, `${name}.ready`))}, '');`;
  // Finishes what it holds for 300 ms after SIGTERM, then exits.
  s.supervise({ name: 'tidy', entry: script('tidy', `process.on('SIGTERM', () => setTimeout(() => process.exit(0), 300)); setInterval(() => {}, 1000); ${ready('tidy')}`), impact: 'x' });
  // Never stops on SIGTERM.
  s.supervise({ name: 'stuck', entry: script('stuck', `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); ${ready('stuck')}`), impact: 'y' });
  for (const end = Date.now() + 10_000; !['tidy', 'stuck'].every((n) => existsSync(join(dir, `${n}.ready`))) && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  const [tidy, stuck] = [s.workers.get('tidy')!, s.workers.get('stuck')!];
  const started = Date.now();
  await s.stopAll(1500);
  // Node's timers count from the event loop's cached time, taken when this turn of the loop began:
  // a busy machine can pause the process between then and \`started\`, so the cap can end up to
  // that pause before 1.5 s after it. Not stopping at once nor after tidy's 300 ms is the point.
  expect(Date.now() - started).toBeGreaterThanOrEqual(1500 - 100);
  expect(tidy.exitCode).toBe(0);
  expect(stuck.signalCode).toBe('SIGKILL');
  expect(alive(tidy.pid!) || alive(stuck.pid!)).toBe(false);
  expect(lines).toEqual([
    'secorch: waiting for tidy, stuck to stop (up to 1.5 s)',
    'secorch: stuck did not stop within 1.5 s; killing it (SIGKILL): what it held is redone at the next start',
  ]);
});

test('a worker that dies is restarted; none is after stopping', async () => {
  const lines: string[] = [];
  const s = supervisor({ env: process.env, log: (l) => lines.push(l) });
  s.supervise({ name: 'flaky', entry: script('flaky', 'process.exit(3)'), impact: 'reports wait' }, 100);
  // Two exits: the first run and its restart (node start-up time varies with the machine's load).
  for (const end = Date.now() + 10_000; lines.length < 2 && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  expect(lines[0]).toBe('secorch: flaky exited (3); restarting in 0.1 s (reports wait meanwhile)');
  expect(lines.length).toBeGreaterThanOrEqual(2);
  await s.stopAll(1000);
  const count = lines.length;
  await new Promise((r) => setTimeout(r, 500));
  expect(lines).toHaveLength(count);
});

test('a worker that says it cannot run (exit 78) is not restarted', async () => {
  const lines: string[] = [];
  const s = supervisor({ env: process.env, log: (l) => lines.push(l) });
  s.supervise({ name: 'broken', entry: script('broken', 'process.exit(78)'), impact: 'events wait' }, 100);
  for (const end = Date.now() + 10_000; lines.length < 1 && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  expect(lines).toEqual(['secorch: broken stopped: it cannot run until the problem above is fixed (events wait meanwhile); start npm start again afterwards']);
  // No restart follows: the worker's process is gone and none replaced it.
  const first = s.workers.get('broken')!;
  for (const end = Date.now() + 10_000; first.exitCode === null && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  expect(first.exitCode).toBe(78);
  // Five times the restart delay: a restart would have been spawned and logged by then.
  await new Promise((r) => setTimeout(r, 500));
  expect(s.workers.get('broken')).toBe(first);
  expect(lines).toHaveLength(1);
  await s.stopAll(1000);
});

test("the router worker that cannot run promises no fallback: the one-minute schedule fails on the same problem", async () => {
  const lines: string[] = [];
  const s = supervisor({ env: process.env, log: (l) => lines.push(l) });
  const router = LOCAL_WORKERS.find((w) => w.name === 'router-worker')!;
  s.supervise({ ...router, entry: script('router-worker', 'process.exit(78)') }, 100);
  for (const end = Date.now() + 10_000; lines.length < 1 && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  expect(lines).toEqual([
    'secorch: router-worker stopped: it cannot run until the problem above is fixed (no events are routed meanwhile: the one-minute schedule fails on the same problem); start npm start again afterwards',
  ]);
  await s.stopAll(1000);
  // A crash is another matter: while it restarts, the schedule routes events.
  const crashed: string[] = [];
  const t = supervisor({ env: process.env, log: (l) => crashed.push(l) });
  t.supervise({ ...router, entry: script('router-crash', 'process.exit(1)') }, 100);
  for (const end = Date.now() + 10_000; crashed.length < 1 && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  await t.stopAll(1000);
  expect(crashed[0]).toBe('secorch: router-worker exited (1); restarting in 0.1 s (events are routed by the one-minute schedule meanwhile)');
});
