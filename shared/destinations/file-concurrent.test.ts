import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudEvent } from '../events/cloudevent';

/**
 * The local router worker and serverless-offline append to the same file from different
 * processes. Each line goes out in one O_APPEND write(2), which a local file system applies
 * whole at the end of the file (the inode lock), also for lines far beyond PIPE_BUF (4096 bytes,
 * a bound for pipes only). Lines written in more than one write would interleave here.
 * But a write that large is visible while it runs: the size grows a page at a time, so another
 * writer can see the file end mid-line. Taking that for a line left by a crash and starting its
 * own with a newline put empty lines in the file (44 among 600 lines in this test, before the
 * first fix; a wait for the end to stand still still let some through on a loaded machine).
 */
let dir: string;
beforeEach(() => void (dir = fs.mkdtempSync(join(tmpdir(), 'secorch-file-concurrent-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const WRITERS = 4;
const LINES = 150;

/** Each writer waits for the same wall-clock instant, so their appends overlap rather than follow their start-up. */
function writer(path: string, w: number, startAt: number): Promise<string> {
  const code = `
    const { fileDestination } = require('./shared/destinations/file.ts');
    const deliver = fileDestination('f', { type: 'file', path: process.argv[1] });
    (async () => {
      await new Promise((r) => setTimeout(r, Math.max(0, Number(process.argv[2]) - Date.now())));
      for (let i = 0; i < ${LINES}; i++) {
        await deliver({ specversion: '1.0', id: 'w${w}-' + i, source: '/test', type: 't', data: String.fromCharCode(97 + ${w}).repeat(70_000 + i * 997) }, {});
      }
    })().catch((e) => { process.stderr.write(String(e)); process.exitCode = 1; });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', code, path, String(startAt)], { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(stderr));
  });
}

test('several processes appending 70-220 KB lines at once: every line whole, none lost, no empty line', async () => {
  const path = join(dir, 'events.jsonl');
  const startAt = Date.now() + 2000;
  const errs = await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(path, w, startAt)));
  expect(errs).toEqual(Array(WRITERS).fill(''));
  const lines = fs.readFileSync(path, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  expect(lines.filter((l) => l === '')).toEqual([]);
  const events = lines.map((l) => JSON.parse(l) as CloudEvent & { data: string });
  expect(events).toHaveLength(WRITERS * LINES);
  for (const e of events) expect(e.data).toBe(e.data[0]!.repeat(e.data.length));
  expect(new Set(events.map((e) => e.id)).size).toBe(WRITERS * LINES);
}, 60_000);
