import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFileSealer } from './sealer-keyfile';

/**
 * A power loss cannot be staged here, so the file system calls are recorded instead: what must
 * reach the disk, and in what order, for the key to outlive a crash. Without it the sealed
 * secrets (SQLite syncs its writes) can survive while `keys/` does not, and the next seal would
 * make a new key where the old one was lost.
 */
const calls: string[] = [];
jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
  return {
    ...actual,
    open: async (path: string, ...rest: unknown[]) => {
      const handle = await (actual.open as (...a: unknown[]) => Promise<import('node:fs/promises').FileHandle>)(path, ...rest);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await sync();
        calls.push(`sync ${path}`);
      };
      return handle;
    },
    rename: async (from: string, to: string) => {
      await actual.rename(from, to);
      calls.push(`rename ${from} -> ${to}`);
    },
  };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secorch-sealer-durable-'));
  calls.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

(process.platform === 'win32' ? test.skip : test)('the key, its entry in the temp directory and the rename to keys/ are on disk before the first seal returns', async () => {
  await keyFileSealer({ dataDir: dir }).seal('whsec_abc', { subscription: 'sub-1' });
  const rename = calls.findIndex((c) => c.startsWith('rename '));
  expect(rename).toBeGreaterThan(-1);
  const tmp = calls[rename]!.slice('rename '.length).split(' -> ')[0]!;
  const before = calls.slice(0, rename);
  expect(before).toContain(`sync ${join(tmp, 'subscriptions.key')}`); // the bytes
  expect(before).toContain(`sync ${tmp}`); // the file's name in the directory
  expect(calls.slice(rename + 1)).toContain(`sync ${dir}`); // keys/ in the data directory
});
