import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockBundle } from './bundle-lock';

/** npm start's hold on its bundle folder, on a real folder with real process ids. */
let dist: string;
beforeEach(() => void (dist = mkdtempSync(join(tmpdir(), 'secorch-dist-'))));
afterEach(() => rmSync(dist, { recursive: true, force: true }));

test('a live holder is refused; its release frees the folder for the next one', () => {
  const release = lockBundle(dist, 'local');
  expect(readFileSync(join(dist, 'local.pid'), 'utf8')).toBe(`${process.pid}\n`);
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
  expect(readFileSync(join(dist, 'local.pid'), 'utf8')).toBe(`${process.pid}\n`);
  writeFileSync(join(dist, 'local.pid'), `${dead}\n`);
  release();
  expect(readFileSync(join(dist, 'local.pid'), 'utf8')).toBe(`${dead}\n`);
});
