import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirObjects } from './objects-dir';

/**
 * The folder store's root is the data directory, which keeps the mode it had (it may be open to
 * others), and so may a bucket folder made before (by hand, or by an earlier version). Objects
 * carry reports and archived events, so every file the store writes (the object, its sidecar,
 * the temp files renamed onto them) is its owner's only whatever the umask, as state.db is
 * (sqlite-files.ts). Files it only moves keep their modes: tightening them is the owner's call.
 */
let root: string;
let umask: number;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'secorch-objects-modes-'));
  umask = process.umask();
});
afterEach(async () => {
  process.umask(umask);
  await rm(root, { recursive: true, force: true });
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const modeOf = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);

/** Every file under dir with its mode, temp files included (walked by hand: Node 20's recursive readdir is avoided). */
async function modesUnder(dir: string, rel = ''): Promise<Record<string, string>> {
  let out: Record<string, string> = {};
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out = { ...out, ...(await modesUnder(dir, path)) };
    else out[path] = await modeOf(join(dir, path));
  }
  return out;
}

(process.platform === 'win32' ? describe.skip : describe).each([['022', 0o022], ['000', 0o000]])('with umask %s', (_, mask) => {
  it('writes every object and sidecar 0600 into a bucket folder that already exists, and into folders it makes', async () => {
    const bucket = join(root, 'store', 'reports');
    await mkdir(join(bucket, '.secorch-meta'), { recursive: true });
    await chmod(bucket, 0o755);
    await chmod(join(bucket, '.secorch-meta'), 0o755);
    process.umask(mask);
    const objects = dirObjects({ root: join(root, 'store') });
    await objects.put('reports', 'a.json', '{"a":1}', { contentType: 'application/json' });
    await objects.put('reports', 'b.json', 'b', { ifAbsent: true });
    await objects.put('reports', 'a.json', '{"a":2}'); // an overwrite: a new file renamed over the old
    await objects.put('reports', 'new/c.json', 'c');
    await objects.move('reports', 'b.json', 'moved/b.json', { ifMatch: sha256('b') });
    expect(await modesUnder(bucket)).toEqual({
      'a.json': '600',
      'new/c.json': '600',
      'moved/b.json': '600',
      '.secorch-meta/.secorch-a.json.json': '600',
      '.secorch-meta/new/.secorch-c.json.json': '600',
      '.secorch-meta/moved/.secorch-b.json.json': '600',
    });
    // The folders that existed keep their modes.
    expect([await modeOf(bucket), await modeOf(join(bucket, '.secorch-meta'))]).toEqual(['755', '755']);
  });

  it('leaves the mode of a file dropped in by hand as it is when it moves it', async () => {
    const bucket = join(root, 'store', 'inbox');
    await mkdir(bucket, { recursive: true });
    await writeFile(join(bucket, 'r1.csv'), 'a,b\n');
    await writeFile(join(bucket, 'r2.csv'), 'c,d\n');
    await chmod(join(bucket, 'r1.csv'), 0o644);
    await chmod(join(bucket, 'r2.csv'), 0o640);
    process.umask(mask);
    const objects = dirObjects({ root: join(root, 'store') });
    expect(await objects.move('inbox', 'r1.csv', '.processed/r1.csv')).toBe('moved');
    expect(await objects.move('inbox', 'r2.csv', '.processed/r2.csv', { ifMatch: sha256('c,d\n') })).toBe('moved');
    expect([await modeOf(join(bucket, '.processed/r1.csv')), await modeOf(join(bucket, '.processed/r2.csv'))]).toEqual(['644', '640']);
  });
});
