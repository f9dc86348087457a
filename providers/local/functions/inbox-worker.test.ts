import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle, githubSource, stdoutOf, unbundle } from '../../common/metrics.testkit';

/**
 * What the local runtime makes in a data directory that already existed, open to others (it keeps
 * its mode: scripts/data-dir.ts): the inbox folder and the queue and state files, whose contents
 * (raw webhook bodies, sealed secrets, replay ids) must not be readable by other users.
 */
let dir: string;
beforeEach(() => {
  jest.resetModules();
  dir = mkdtempSync(join(tmpdir(), 'secorch-inbox-worker-'));
  chmodSync(dir, 0o755);
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

const modeOf = (name: string) => (statSync(join(dir, name)).mode & 0o777).toString(8);

(process.platform === 'win32' ? test.skip : test)('the inbox worker makes its folder and the database files its owner\'s only', async () => {
  const { main } = await import('./inbox-worker');
  const stop = new AbortController();
  await stdoutOf(async () => {
    const running = main(stop.signal);
    for (const end = Date.now() + 10_000; !existsSync(join(dir, 'inbox')) && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    await running;
  });
  const files = ['queue.db', 'queue.db-wal', 'queue.db-shm', 'state.db', 'state.db-wal', 'state.db-shm'];
  expect(Object.fromEntries(['inbox', ...files].map((f) => [f, modeOf(f)]))).toEqual({
    inbox: '700', ...Object.fromEntries(files.map((f) => [f, '600'])),
  });
  expect(modeOf('.')).toBe('755');
});

test('a file where the inbox folder belongs (a report copied in before the folder existed): one line naming it and what to do, not a stack', async () => {
  writeFileSync(join(dir, 'inbox'), '{"runs":[]}');
  const { main } = await import('./inbox-worker');
  let failure: unknown;
  await stdoutOf(async () => void (failure = await main(new AbortController().signal).then(() => undefined, (e: unknown) => e)));
  expect(failure).toMatchObject({
    code: 'inbox_unavailable', retryable: true,
    message: `${join(dir, 'inbox')} is a file, not the folder the inbox worker watches: move it aside (a report copied there before the folder existed goes into the folder once the worker has made it)`,
  });
  // Left as it was, for its owner to move.
  expect(readFileSync(join(dir, 'inbox'), 'utf8')).toBe('{"runs":[]}');
});
