import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bundle, githubSource, unbundle } from '../providers/common/metrics.testkit';
import { freshStateDir, processAlive } from '../providers/local/worker-state';
import { fixtureJson } from '../test/fixtures';
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

test('a worker that cannot be spawned (no such program, EAGAIN) is retried like one that exits, without taking npm start down', async () => {
  const lines: string[] = [];
  const s = supervisor({ env: process.env, log: (l) => lines.push(l), nodePath: join(dir, 'no-such-node') });
  s.supervise({ name: 'unspawnable', entry: script('unspawnable', ''), impact: 'reports wait' }, 100);
  for (const end = Date.now() + 10_000; lines.length < 2 && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  expect(lines.slice(0, 2)).toEqual([
    'secorch: unspawnable could not be started (ENOENT); restarting in 0.1 s (reports wait meanwhile)',
    'secorch: unspawnable could not be started (ENOENT); restarting in 0.2 s (reports wait meanwhile)',
  ]);
  await s.stopAll(1000);
});

test('a crash after a run that lasted is restarted after the first delay again, not the one a crash loop had reached', async () => {
  const lines: string[] = [];
  const s = supervisor({ env: process.env, log: (l) => lines.push(l), stableMs: 1500 });
  // Runs 1 and 2 fail at once; run 3 lasts 2.5 s (longer than a run must) and then fails; run 4 keeps running.
  const count = join(dir, 'runs');
  s.supervise({ name: 'flaky', entry: script('flaky', `const fs = require('node:fs');
    const n = (fs.existsSync(${JSON.stringify(count)}) ? Number(fs.readFileSync(${JSON.stringify(count)}, 'utf8')) : 0) + 1;
    fs.writeFileSync(${JSON.stringify(count)}, String(n));
    if (n <= 2) process.exit(3);
    if (n === 3) setTimeout(() => process.exit(3), 2500);
    else setInterval(() => {}, 1000);`), impact: 'reports wait' }, 100);
  for (const end = Date.now() + 20_000; lines.length < 3 && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  await s.stopAll(1000);
  expect(lines.slice(0, 3)).toEqual([
    'secorch: flaky exited (3); restarting in 0.1 s (reports wait meanwhile)',
    'secorch: flaky exited (3); restarting in 0.2 s (reports wait meanwhile)',
    'secorch: flaky exited (3); restarting in 0.1 s (reports wait meanwhile)',
  ]);
}, 30_000);

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

describe('GET /health/ready of the local health function under npm start', () => {
  const ROOT = join(__dirname, '..');
  /** The real inbox worker as npm start runs it, its configuration in place of the bundle's (as a bundle's `define` puts it). */
  const inboxWorker = (config: unknown) => script('inbox-worker', `globalThis.__SECORCH_CONFIG__ = ${JSON.stringify(config)};
    const { runWorker } = require(${JSON.stringify(join(ROOT, 'providers/local/worker-process.ts'))});
    const { main } = require(${JSON.stringify(join(ROOT, 'providers/local/functions/inbox-worker.ts'))});
    runWorker('inbox worker', main);`);
  const config = { sources: githubSource, logLevel: 'error' };
  const env = () => ({ SECORCH_DATA_DIR: dir, SECORCH_ROUTER_NUDGE: 'off', SECORCH_PARENT_PID: String(process.pid) });
  beforeEach(() => {
    jest.resetModules();
    Object.assign(process.env, env());
    bundle(config);
  });
  afterEach(() => {
    unbundle();
    for (const k of Object.keys(env())) delete process.env[k];
  });

  type Ready = { status: number; checks: { name: string; status: string; reason?: string }[] };
  async function ready(): Promise<Ready> {
    const { handler } = await import('../providers/local/functions/health');
    const event = { ...fixtureJson<APIGatewayProxyEventV2>('events/aws-apigw-http-v2.json'), rawPath: '/health/ready' };
    event.requestContext.http.method = 'GET';
    const res = (await handler(event)) as APIGatewayProxyStructuredResultV2;
    return { status: res.statusCode!, checks: (JSON.parse(res.body!) as Ready).checks };
  }
  const worker = (r: Ready) => r.checks.find((c) => c.name === 'worker:inbox-worker');
  async function readyUntil(want: (r: Ready) => boolean, what: string): Promise<Ready> {
    let last: Ready | undefined;
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      last = await ready();
      if (want(last)) return last;
    }
    throw new Error(`timed out waiting for ${what}; last answer: ${JSON.stringify(last)}`);
  }

  test('a worker that fails at every start is 503 naming it (crash-looping); once it runs and reports progress, 200 again', async () => {
    // A file where the inbox folder belongs (a report copied to inbox/ before the folder existed):
    // the worker fails at every start, while the store and the bus the functions use are fine.
    writeFileSync(join(dir, 'inbox'), '{}');
    const lines: string[] = [];
    const stateDir = freshStateDir(dir, process.pid, processAlive);
    const s = supervisor({ env: { ...process.env, ...env() }, log: (l) => lines.push(l), stateDir, stableMs: 6000, stdio: 'ignore', execArgv: ['--import', 'tsx'] });
    s.supervise({ name: 'inbox-worker', entry: inboxWorker(config), impact: 'reports wait' }, 100);
    try {
      const looping = await readyUntil((r) => /^crash-looping: /.test(worker(r)?.reason ?? ''), 'a crash-looping inbox worker');
      expect(looping.status).toBe(503);
      expect(looping.checks.filter((c) => c.name === 'store' || c.name === 'bus').map((c) => c.status)).toEqual(['ok', 'ok']);
      expect(worker(looping)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^crash-looping: exited \d+ times in a row within 6 s of starting \(last: code 1\)/) });

      // The file moved aside: the next start makes the folder, and the worker's loop reports in.
      rmSync(join(dir, 'inbox'));
      const healthy = await readyUntil((r) => r.status === 200, 'readiness once the worker runs');
      expect(worker(healthy)).toMatchObject({ status: 'ok' });
      expect(healthy.checks.every((c) => c.status === 'ok')).toBe(true);
    } finally {
      await s.stopAll(5000);
    }
    expect(lines.some((l) => l.startsWith('secorch: inbox-worker exited (1); restarting in'))).toBe(true);
  }, 60_000);
});
