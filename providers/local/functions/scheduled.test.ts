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
