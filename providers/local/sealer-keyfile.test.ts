import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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

(process.platform === 'win32' ? test.skip : test)('a data directory it has to create is 0700 too; an existing one keeps its mode', async () => {
  const fresh = join(dir, 'fresh', 'data');
  await keyFileSealer({ dataDir: fresh }).seal('whsec_abc', ctx);
  for (const d of [join(dir, 'fresh'), fresh, join(fresh, 'keys')]) expect((await stat(d)).mode & 0o777).toBe(0o700);
  expect((await stat(keyFilePath(fresh))).mode & 0o777).toBe(0o600);
  await chmod(dir, 0o755);
  await keyFileSealer({ dataDir: dir }).seal('whsec_abc', ctx);
  expect((await stat(dir)).mode & 0o777).toBe(0o755);
  expect((await stat(keyFilePath(dir))).mode & 0o777).toBe(0o600);
});

test('concurrent first use by several instances ends with one key that opens everything', async () => {
  const sealers = Array.from({ length: 8 }, () => keyFileSealer({ dataDir: dir }));
  const sealed = await Promise.all(sealers.map((s, i) => s.seal(`secret-${i}`, ctx)));
  const fresh = keyFileSealer({ dataDir: dir });
  expect(await Promise.all(sealed.map((v) => fresh.open(v, ctx)))).toEqual(sealers.map((_, i) => `secret-${i}`));
  expect(await readdir(join(dir, 'keys'))).toEqual(['subscriptions.key']); // no temp files left behind
  expect(await readdir(dir)).toEqual(['keys']);
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
    // 'close', not 'exit': 'exit' can come before the last stdout chunk has been read.
    const done = new Promise<[string, string]>((resolve, reject) => child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`racer exited ${code}: ${err}`);
        resolve(JSON.parse(out.slice(6)) as [string, string]);
      } catch (e) {
        reject(new Error(`racer ${code}: ${String(e)}; stdout ${JSON.stringify(out)}`));
      }
    }));
    done.catch(() => undefined); // reported by Promise.all below
    return { child, ready, done };
  });
  await Promise.all(racers.map((r) => r.ready));
  for (const r of racers) r.child.stdin.write('go\n');
  const results = await Promise.all(racers.map((r) => r.done));
  const s = keyFileSealer({ dataDir: dir });
  for (const [plain, sealed] of results) expect(await s.open(sealed, ctx)).toBe(plain);
  expect(await readdir(join(dir, 'keys'))).toEqual(['subscriptions.key']);
}, 120_000); // six tsx processes starting at once on a small CI machine

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

test('a deleted key file is never replaced: seal and check refuse, naming the file and the way out; the restored file opens everything', async () => {
  const first = keyFileSealer({ dataDir: dir });
  const sealed = await first.seal('whsec_abc', ctx);
  const backup = await readFile(keyFilePath(dir));
  await rm(keyFilePath(dir));

  for (const s of [keyFileSealer({ dataDir: dir }), keyFileSealer({ dataDir: dir })]) {
    // A new subscription (seal) and a readiness probe (check) used to make a new key here.
    const err = await s.seal('whsec_new', ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'seal_failed', retryable: false, extra: { reason: 'key' } });
    expect((err as Error).message).toContain(keyFilePath(dir));
    expect((err as Error).message).toMatch(/restore the key file from a backup, or delete that directory/);
    await expect(s.check()).rejects.toMatchObject({ extra: { reason: 'key' } });
  }
  await expect(stat(keyFilePath(dir))).rejects.toMatchObject({ code: 'ENOENT' });

  await writeFile(keyFilePath(dir), backup, { mode: 0o600 });
  expect(await keyFileSealer({ dataDir: dir }).open(sealed, ctx)).toBe('whsec_abc');

  // Starting over is a deliberate act: without the keys directory a new key is made.
  await rm(join(dir, 'keys'), { recursive: true });
  const fresh = keyFileSealer({ dataDir: dir });
  expect(await fresh.open(await fresh.seal('whsec_new', ctx), ctx)).toBe('whsec_new');
  await expect(fresh.open(sealed, ctx)).rejects.toMatchObject({ code: 'unseal_failed', extra: { reason: 'rejected' } });
});

test('a damaged or unreadable key file is named, with the problem, in the message (logs carry only the message)', async () => {
  await keyFileSealer({ dataDir: dir }).check();
  const key = await readFile(keyFilePath(dir));
  await writeFile(keyFilePath(dir), key.subarray(0, 31)); // truncated by a failed copy
  for (const err of [
    await keyFileSealer({ dataDir: dir }).seal('whsec_abc', ctx).catch((e: unknown) => e),
    await keyFileSealer({ dataDir: dir }).open('v1.local.AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA', ctx).catch((e: unknown) => e),
  ]) {
    expect(err).toMatchObject({ extra: { reason: 'key' } });
    expect((err as Error).message).toContain(keyFilePath(dir));
    expect((err as Error).message).toContain('damaged (31 bytes, not 32)');
    expect((err as Error).message).not.toContain(key.toString('hex'));
  }
  expect((await readFile(keyFilePath(dir))).length).toBe(31); // left as it was, for recovery

  if (process.platform !== 'win32' && process.getuid?.() !== 0) {
    await writeFile(keyFilePath(dir), key);
    await chmod(keyFilePath(dir), 0o000);
    const err = await keyFileSealer({ dataDir: dir }).seal('whsec_abc', ctx).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`The local sealing key file ${keyFilePath(dir)} could not be read (EACCES)`);
  }
});

test('existing data keeps working: a key file laid out by earlier versions opens the values sealed under it', async () => {
  // keys/subscriptions.key written directly, as earlier versions did; the value below was sealed
  // under this key by an earlier version (format v1.local.<iv>.<ciphertext>.<tag>).
  await mkdir(join(dir, 'keys'), { mode: 0o700 });
  await writeFile(keyFilePath(dir), Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'), { mode: 0o600 });
  const sealed = 'v1.local.tWlzMWGGaQEEv-gM.-lUr6k1q8bJ3Q277OXcXJUcB1SsEIWnibw.llrF3Q9cD2A5FnIfJ8PbYw';
  const s = keyFileSealer({ dataDir: dir });
  expect(await s.open(sealed, { tenant: 't-1', subscription: 'sub_1' })).toBe('whsec_c2VjcmV0LWZyb20tdjE');
  await expect(s.open(sealed, { tenant: 't-2', subscription: 'sub_1' })).rejects.toMatchObject({ extra: { reason: 'rejected' } });
  expect(await s.open(await s.seal('whsec_more', ctx), ctx)).toBe('whsec_more');
});
