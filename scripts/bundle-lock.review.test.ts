import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBundleName, lockBundle } from './bundle-lock';

/** npm start's hold on its bundle folder, on a real folder with real process ids. */
let dist: string;
beforeEach(() => void (dist = mkdtempSync(join(tmpdir(), 'secorch-dist-'))));
afterEach(() => rmSync(dist, { recursive: true, force: true }));

test('a live holder is refused; its release frees the folder for the next one', () => {
  const release = lockBundle(dist, 'local');
  expect(readFileSync(join(dist, 'local.pid'), 'utf8')).toBe(`${process.pid}\nnpm start\n`);
  // Another npm start (any other pid) while this process lives.
  expect(() => lockBundle(dist, 'local', process.pid + 1)).toThrow(`another npm start (pid ${process.pid}) runs from dist/local`);
  expect(() => lockBundle(dist, 'other', process.pid + 1)).not.toThrow();
  release();
  expect(existsSync(join(dist, 'local.pid'))).toBe(false);
  expect(() => lockBundle(dist, 'local', process.pid + 1)).not.toThrow();
});

test('the file of an npm start that is gone (killed) is taken over; releasing a file taken over by another leaves it', () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  writeFileSync(join(dist, 'local.pid'), `${dead}\n`);
  const release = lockBundle(dist, 'local');
  expect(readFileSync(join(dist, 'local.pid'), 'utf8')).toBe(`${process.pid}\nnpm start\n`);
  writeFileSync(join(dist, 'local.pid'), `${dead}\n`);
  release();
  expect(readFileSync(join(dist, 'local.pid'), 'utf8')).toBe(`${dead}\n`);
});

test('a build holding the folder refuses npm start, and the other way round, each saying what to do instead', () => {
  const release = lockBundle(dist, 'local', process.pid, 'npm run build');
  expect(() => lockBundle(dist, 'local', process.pid + 1)).toThrow(
    `npm run build (pid ${process.pid}) is building dist/local of this checkout: start again once it has ended, or give this one a bundle folder of its own with SECORCH_LOCAL_BUNDLE=<name>`);
  expect(() => lockBundle(dist, 'local', process.pid + 1, 'npm run build')).toThrow(`another npm run build (pid ${process.pid}) is building dist/local of this checkout: wait for it to end`);
  release();
  // The file of an npm start of an earlier version: its pid alone.
  writeFileSync(join(dist, 'local.pid'), `${process.pid}\n`);
  expect(() => lockBundle(dist, 'local', process.pid + 1, 'npm run build')).toThrow(`npm start (pid ${process.pid}) runs from dist/local of this checkout, and building would replace the files it runs`);
});

describe('npm run build (esbuild.config.mjs) and the local bundle folder', () => {
  const ROOT = join(__dirname, '..');
  // A bundle folder of this test's own: other local servers may run from this checkout.
  const bundle = `local-build-${process.pid}`;
  const folder = join(ROOT, 'dist', bundle);
  const lock = join(ROOT, 'dist', `${bundle}.pid`);
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
    rmSync(lock, { force: true });
  });

  /** `npm run build -- <args>`, as package.json runs it: its exit code and what it printed. */
  function build(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'esbuild.config.mjs', ...args], {
      cwd: ROOT, env: { ...process.env, SECORCH_LOCAL_BUNDLE: bundle, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (out += d.toString()));
    return new Promise((done) => child.on('close', (code) => done({ code, out })));
  }

  test('while npm start runs from the folder, the build stops in one line before touching it', async () => {
    // The folder of a running npm start (this process stands in for it), with what it runs.
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'running.txt'), 'in use');
    writeFileSync(lock, `${process.pid}\nnpm start\n`);
    const { code, out } = await build(['local']);
    expect(code).toBe(1);
    expect(out).toBe(`build failed: npm start (pid ${process.pid}) runs from dist/${bundle} of this checkout, and building would replace the files it runs: stop it first, ` +
      'or build only the cloud bundles (npm run build -- aws azure gcp), or the local one into a folder of its own (SECORCH_LOCAL_BUNDLE=<name> npm run build -- local)\n');
    expect(readFileSync(join(folder, 'running.txt'), 'utf8')).toBe('in use');
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid}\nnpm start\n`);
  }, 60_000);

  test('a build that fails gives the folder back', async () => {
    const { code, out } = await build(['local'], { SECORCH_CONFIG: join(dist, 'missing.yaml') });
    expect(code).toBe(1);
    expect(out).toMatch(/^build failed: [^\n]*missing\.yaml[^\n]*\n$/);
    expect(existsSync(lock)).toBe(false);
  }, 60_000);

  test('an unknown target stops the build before any folder is emptied', async () => {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'kept.txt'), 'kept');
    const { code, out } = await build(['local', 'lambda']);
    expect(code).toBe(1);
    expect(out).toBe('build failed: unknown target "lambda": the targets are aws, local, azure, gcp\n');
    expect(readFileSync(join(folder, 'kept.txt'), 'utf8')).toBe('kept');
    expect(existsSync(lock)).toBe(false);
  }, 60_000);

  test('a bundle name that leads out of dist/ stops the build before the folder it names is emptied', async () => {
    const outside = join(ROOT, `bundle-escape-${process.pid}`);
    mkdirSync(outside, { recursive: true });
    try {
      writeFileSync(join(outside, 'kept.txt'), 'kept');
      const { code, out } = await build(['local'], { SECORCH_LOCAL_BUNDLE: `../bundle-escape-${process.pid}` });
      expect(code).toBe(1);
      expect(out).toBe(`build failed: SECORCH_LOCAL_BUNDLE "../bundle-escape-${process.pid}" is not a folder name: the local bundle is built into dist/<name>; ` +
        "use letters, digits, '.', '_' and '-', starting with a letter or digit\n");
      expect(readFileSync(join(outside, 'kept.txt'), 'utf8')).toBe('kept');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  }, 60_000);
});

test('SECORCH_LOCAL_BUNDLE names one folder of dist/: never the checkout, a folder beside dist/, or dist/ itself', () => {
  expect(localBundleName({})).toBe('local');
  expect(localBundleName({ SECORCH_LOCAL_BUNDLE: '' })).toBe('local');
  expect(localBundleName({ SECORCH_LOCAL_BUNDLE: 'local-e2e-42.b_1' })).toBe('local-e2e-42.b_1');
  for (const bad of ['..', '.', '../src', 'a/b', '/tmp/x', '.hidden', 'a\\b', 'x'.repeat(101)]) {
    expect(() => localBundleName({ SECORCH_LOCAL_BUNDLE: bad })).toThrow('is not a folder name');
  }
});
