import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle, githubSource, stdoutOf, unbundle } from '../../common/metrics.testkit';

/**
 * serverless-offline's one-minute local invocations (the router's drain, the scheduler's tick) on
 * a data directory whose queue file is damaged: each is one error line with the code and what to
 * do, resolved, never an exception for serverless-offline to print with its stack every minute.
 */
let dir: string;
beforeEach(() => {
  jest.resetModules();
  dir = mkdtempSync(join(tmpdir(), 'secorch-scheduled-'));
  process.env.SECORCH_DATA_DIR = dir;
  process.env.SECORCH_ROUTER_NUDGE = 'off';
  bundle({ sources: githubSource });
});
afterEach(() => {
  unbundle();
  delete process.env.SECORCH_DATA_DIR;
  delete process.env.SECORCH_ROUTER_NUDGE;
  rmSync(dir, { recursive: true, force: true });
});

const damagedQueue = () => {
  const path = join(dir, 'queue.db');
  writeFileSync(path, 'random bytes, not a database\n'.repeat(300));
  return path;
};
const oneLine = (path: string, msg: string) => [expect.objectContaining({
  level: 'error', msg, code: 'store_damaged', runtime: 'local',
  error: expect.stringMatching(new RegExp(`^The local database ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged .*Stop npm start, then restore it from a backup`)),
})];

test("the router's scheduled drain on a damaged queue file: one logged line, a report, the file left as it was", async () => {
  const path = damagedQueue();
  const before = readFileSync(path);
  const { handler } = await import('./event-router');
  let report: unknown;
  const lines = await stdoutOf(async () => void (report = await handler()));
  expect(report).toEqual({ handled: 0, failed: 0, error: 'store_damaged' });
  expect(lines).toEqual(oneLine(path, 'router drain cannot run'));
  expect(readFileSync(path).equals(before)).toBe(true);
});

test("the scheduler's tick on a damaged queue file: one logged line and a report that is not ok", async () => {
  const path = damagedQueue();
  const { handler } = await import('./scheduler');
  let report: unknown;
  const lines = await stdoutOf(async () => void (report = await handler({ resources: [] })));
  expect(report).toEqual({ name: 'scheduler', ok: false, details: { error: 'store_damaged' } });
  expect(lines).toEqual(oneLine(path, 'scheduler tick cannot run'));
});

test('the next tick after the file was moved aside drains the new, empty queue', async () => {
  const path = damagedQueue();
  const { handler } = await import('./event-router');
  await stdoutOf(async () => void (await handler()));
  rmSync(path);
  expect(await handler()).toEqual({ handled: 0, failed: 0 });
});

test('an error that is no typed error (a bug) is thrown on, with its stack', async () => {
  const { loggedTick } = await import('./scheduled');
  const bug = new TypeError('x is undefined');
  await expect(loggedTick('test', () => Promise.reject(bug), () => 'failed')).rejects.toBe(bug);
});

test('a scheduler tick that cannot run is reported under the name the tick would have run as', async () => {
  damagedQueue();
  const { handler } = await import('./scheduler');
  // A hand invocation naming its schedule in `detail` (providers/aws/schedule.ts toTick reads it first).
  let report: unknown;
  await stdoutOf(async () => void (report = await handler({ detail: { name: 'nightly' } })));
  expect(report).toEqual({ name: 'nightly', ok: false, details: { error: 'store_damaged' } });
});

test('a data directory that cannot be made (a file is in the way): one logged line, not an exception', async () => {
  const file = join(dir, 'not-a-folder');
  writeFileSync(file, 'x');
  process.env.SECORCH_DATA_DIR = join(file, 'data');
  const { handler } = await import('./event-router');
  let report: unknown;
  const lines = await stdoutOf(async () => void (report = await handler()));
  expect(report).toEqual({ handled: 0, failed: 0, error: 'store_io_failed' });
  expect(lines).toEqual([expect.objectContaining({
    level: 'error', msg: 'router drain cannot run', code: 'store_io_failed',
    error: expect.stringContaining(`${join(file, 'data')}`),
  })]);
});
