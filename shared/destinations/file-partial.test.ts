import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDeps } from '../../test/deps';
import type { CloudEvent } from '../events/cloudevent';
import { type FileIo, fileDestination } from './file';

/**
 * A write that stops part way (ENOSPC, EFBIG) must not leave half a line behind: the retry would
 * append after it and join two events into one invalid line.
 */
const event = (id: string, size = 10): CloudEvent => ({ specversion: '1.0', id, source: '/test', type: 't', data: 'x'.repeat(size) });

let dir: string;
beforeEach(() => void (dir = fs.mkdtempSync(join(tmpdir(), 'secorch-file-partial-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every line must be a whole JSON event; returns their ids. */
const ids = (path: string) => fs.readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as CloudEvent).id);

/** The real calls, except writeSync: it writes half of what it is given, then `after` runs and it fails. */
function failingHalfway(after: () => void = () => {}): FileIo {
  let calls = 0;
  const writeSync = ((fd: number, buf: Buffer, off: number, len: number) => {
    if (++calls > 1) {
      after();
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    return fs.writeSync(fd, buf, off, Math.ceil(len / 2));
  }) as FileIo['writeSync'];
  return { ...fs, writeSync };
}

const { deps } = testDeps();

test('a write failing part way is cut back, so the retry appends a whole line (fs writeSync injected to fail midway)', async () => {
  const path = join(dir, 'events.jsonl');
  await fileDestination('f', { type: 'file', path })(event('e1'), deps);
  const before = fs.readFileSync(path);
  await expect(fileDestination('f', { type: 'file', path }, failingHalfway())(event('e2', 500), deps)).rejects.toMatchObject({
    code: 'destination_failed',
    status: 502,
    retryable: true,
    cause: { code: 'ENOSPC' },
  });
  expect(fs.readFileSync(path)).toEqual(before);
  await fileDestination('f', { type: 'file', path })(event('e2', 500), deps);
  expect(ids(path)).toEqual(['e1', 'e2']);
});

test('a partial line followed by another writer\'s line is left alone, and the next line starts fresh (fs writeSync injected)', async () => {
  const path = join(dir, 'events.jsonl');
  const other = () => fs.appendFileSync(path, `${JSON.stringify(event('other'))}\n`);
  await expect(fileDestination('f', { type: 'file', path }, failingHalfway(other))(event('e1', 500), deps)).rejects.toMatchObject({ code: 'destination_failed' });
  await fileDestination('f', { type: 'file', path })(event('e2'), deps);
  // Not ours to cut: the other line was appended after the partial one (joining them is what only
  // a lock could prevent). The next event still gets a line of its own.
  const lines = fs.readFileSync(path, 'utf8').split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(/^\{"specversion":"1.0","id":"e1",.*x\{"specversion":"1.0","id":"other",/);
  expect(JSON.parse(lines[1]!)).toMatchObject({ id: 'e2' });
  expect(lines[2]).toBe('');
});

test('a file left ending mid-line (a crash) gets the next event on a line of its own; the unfinished line stays unreadable', async () => {
  const path = join(dir, 'events.jsonl');
  fs.writeFileSync(path, `${JSON.stringify(event('e1'))}\n{"specversion":"1.0","id":"cut`);
  await fileDestination('f', { type: 'file', path })(event('e2'), deps);
  await fileDestination('f', { type: 'file', path })(event('e3'), deps);
  const lines = fs.readFileSync(path, 'utf8').split('\n');
  // The first append joined the unfinished line (nothing can tell a crashed line from one still
  // being written before writing); found so, it was written again on a line of its own.
  expect(lines[1]).toBe(`{"specversion":"1.0","id":"cut${JSON.stringify(event('e2'))}`);
  expect(() => JSON.parse(lines[1]!)).toThrow();
  expect(lines.slice(2).map((l) => l && (JSON.parse(l) as CloudEvent).id)).toEqual(['e2', 'e3', '']);
});

/**
 * A real short write: bash lowers RLIMIT_FSIZE (`ulimit -f`, 1 KiB blocks) for a child Node,
 * which ignores SIGXFSZ, so write(2) writes up to the limit and then fails with EFBIG.
 */
test('a real EFBIG past the file size limit (ulimit -f in a child process) leaves only whole lines', () => {
  const path = join(dir, 'events.jsonl');
  const code = `
    const { fileDestination } = require('./shared/destinations/file.ts');
    const ev = (id, size) => ({ specversion: '1.0', id, source: '/test', type: 't', data: 'x'.repeat(size) });
    const deliver = fileDestination('f', { type: 'file', path: process.argv[1] });
    (async () => {
      const out = [];
      for (const [id, size] of [['e1', 1000], ['big', 3000], ['e2', 1000], ['big2', 3000]]) {
        await deliver(ev(id, size), {}).then(() => out.push(id), (e) => out.push(e.code + ':' + e.cause.code));
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  const run = spawnSync('bash', ['-c', 'ulimit -f 4 && exec "$0" --import tsx -e "$1" "$2"', process.execPath, code, path], {
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).toBe('');
  // 4 KiB: e1 fits, big would cross the limit, e2 fits, big2 crosses it again.
  expect(JSON.parse(run.stdout)).toEqual(['e1', 'destination_failed:EFBIG', 'e2', 'destination_failed:EFBIG']);
  expect(ids(path)).toEqual(['e1', 'e2']);
  expect(fs.readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
});
