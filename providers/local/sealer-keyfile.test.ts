import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFilePath, keyFileSealer } from './sealer-keyfile';

const ctx = { subscription: 'sub-1' };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secorch-sealer-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test('seal/open round trip; a second instance over the same directory opens it', async () => {
  const sealed = await keyFileSealer({ dataDir: dir }).seal('whsec_abc', ctx);
  expect(sealed).toMatch(/^v1\.local\./);
  expect(await keyFileSealer({ dataDir: dir }).open(sealed, ctx)).toBe('whsec_abc');
  expect(await readFile(keyFilePath(dir))).toHaveLength(32);
});

test('tampered ciphertext and a wrong context are unseal_failed', async () => {
  const s = keyFileSealer({ dataDir: dir });
  const sealed = await s.seal('whsec_abc', ctx);
  const parts = sealed.split('.');
  const ct = Buffer.from(parts[3]!, 'base64url');
  ct[0]! ^= 0x01;
  parts[3] = ct.toString('base64url');
  await expect(s.open(parts.join('.'), ctx)).rejects.toMatchObject({ code: 'unseal_failed', retryable: false, extra: { reason: 'rejected' } });
  await expect(s.open(sealed, { subscription: 'sub-2' })).rejects.toMatchObject({ code: 'unseal_failed', extra: { reason: 'rejected' } });
});

(process.platform === 'win32' ? test.skip : test)('key file is 0600 in a 0700 directory', async () => {
  await keyFileSealer({ dataDir: dir }).check();
  expect((await stat(keyFilePath(dir))).mode & 0o777).toBe(0o600);
  expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700);
});

test('concurrent first use by several instances ends with one key that opens everything', async () => {
  const sealers = Array.from({ length: 8 }, () => keyFileSealer({ dataDir: dir }));
  const sealed = await Promise.all(sealers.map((s, i) => s.seal(`secret-${i}`, ctx)));
  const fresh = keyFileSealer({ dataDir: dir });
  expect(await Promise.all(sealed.map((v) => fresh.open(v, ctx)))).toEqual(sealers.map((_, i) => `secret-${i}`));
  expect(await readdir(join(dir, 'keys'))).toEqual(['subscriptions.key']); // no temp files left behind
});

test('concurrent first use by separate OS processes ends with one key', async () => {
  // Each process loads the module, says ready, and seals only on "go": all start together.
  const script = `const { keyFileSealer } = require('./providers/local/sealer-keyfile.ts');
    const s = keyFileSealer({ dataDir: process.argv[1] });
    process.stdin.once('data', () => s.seal('p-' + process.pid, { subscription: 'sub-1' })
      .then((v) => { process.stdout.write(JSON.stringify(['p-' + process.pid, v])); process.exit(0); }));
    process.stdout.write('ready\\n');`;
  const racers = Array.from({ length: 6 }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, dir], { cwd: join(__dirname, '../..') });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    const ready = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => (out += d.toString()).startsWith('ready\n') && resolve()));
    const done = new Promise<[string, string]>((resolve, reject) => child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.slice(6)) as [string, string]) : reject(new Error(`racer exited ${code}: ${err}`))));
    done.catch(() => undefined); // reported by Promise.all below
    return { child, ready, done };
  });
  await Promise.all(racers.map((r) => r.ready));
  for (const r of racers) r.child.stdin.write('go\n');
  const results = await Promise.all(racers.map((r) => r.done));
  const s = keyFileSealer({ dataDir: dir });
  for (const [plain, sealed] of results) expect(await s.open(sealed, ctx)).toBe(plain);
  expect(await readdir(join(dir, 'keys'))).toEqual(['subscriptions.key']);
});

test('open never creates a key: a missing or corrupt key file is an error', async () => {
  const sealed = await keyFileSealer({ dataDir: dir }).seal('whsec_abc', ctx);
  await rm(keyFilePath(dir));
  await expect(keyFileSealer({ dataDir: dir }).open(sealed, ctx)).rejects.toMatchObject({ code: 'unseal_failed', extra: { reason: 'key' } });
  await expect(stat(keyFilePath(dir))).rejects.toMatchObject({ code: 'ENOENT' });

  await writeFile(keyFilePath(dir), Buffer.alloc(16));
  const err = await keyFileSealer({ dataDir: dir }).seal('whsec_abc', ctx).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'seal_failed', extra: { reason: 'key' } });
  expect(JSON.stringify(err)).not.toContain('whsec_abc');
});
