import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CANNOT_RUN } from './worker-process';

/** A worker as npm start runs it: a real process, its exit code and what it printed. */
function runScript(body: string, arg: string): Promise<{ code: number | null; stderr: string }> {
  const script = `const { runWorker } = require('./providers/local/worker-process.ts');
    const { sqliteQueue } = require('./providers/local/sqlite-queue.ts');
    runWorker('test worker', async () => { ${body} });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, arg], { cwd: join(__dirname, '../..'), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stderr })));
}

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-worker-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a worker that cannot run until someone acts (a damaged database) says so in one line and exits with its own code', async () => {
  const path = join(dir, 'queue.db');
  writeFileSync(path, 'not a database\n'.repeat(100));
  const { code, stderr } = await runScript('sqliteQueue({ path: process.argv[1], clock: { now: Date.now } });', path);
  // Restarting it would only print the same error every 30 s: npm start can tell it apart.
  expect(code).toBe(EXIT_CANNOT_RUN);
  expect(stderr).toMatch(new RegExp(`^secorch test worker cannot run: The local database ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(SQLITE_NOTADB: file is not a database\\)\\. [^\\n]*\\n$`));
}, 30_000);

test('any other failure exits 1 with its stack, for a restart', async () => {
  const { code, stderr } = await runScript('throw new Error("boom");', '');
  expect(code).toBe(1);
  expect(stderr).toMatch(/^secorch test worker: Error: boom\n\s+at /);
}, 30_000);

test('a typed failure a restart may clear (a database that cannot be opened) is one line with its code, not a stack', async () => {
  // Its folder cannot be made: a file stands where it should be.
  writeFileSync(join(dir, 'data'), '');
  const path = join(dir, 'data', 'queue.db');
  const { code, stderr } = await runScript('sqliteQueue({ path: process.argv[1], clock: { now: Date.now } });', path);
  expect(code).toBe(1);
  expect(stderr).toMatch(/^secorch test worker failed \(store_io_failed\): [^\n]+\n$/);
  expect(stderr).toContain(join(dir, 'data'));
}, 30_000);
