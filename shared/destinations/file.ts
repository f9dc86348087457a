import * as fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '../errors';
import type { Deliver } from './types';

/**
 * What this destination creates is its owner's only: events carry findings and user details, and
 * the folder it writes into (the data directory locally) may be open to others. A folder made
 * for the file is 0700 (each one made, when several are), the file 0600; a folder or file that
 * already exists keeps its mode (tightening it is the owner's call). Written out here, not taken
 * from the local runtime's, to keep shared/ free of provider code.
 */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** The synchronous file calls an append makes; tests replace one to fail the way a full disk does. */
export type FileIo = Pick<typeof fs, 'openSync' | 'fstatSync' | 'readSync' | 'writeSync' | 'ftruncateSync' | 'closeSync'>;

/**
 * `file` destination: appends one CloudEvent (structured JSON) per line. Each line is written
 * with a single O_APPEND write, so lines from concurrent writers do not interleave on a local
 * file system. Meant for local runs, demos and tests; clouds use object storage (archive).
 * The append is synchronous: one line costs about 25 µs that way, against about 170 µs for
 * fs/promises' appendFile, whose open, write and close each take a trip through the thread pool.
 */
export const fileDestination = (name: string, config: { type: 'file'; path: string }, io: FileIo = fs): Deliver => {
  let ready: Promise<unknown> | undefined;
  return async (event) => {
    ready ??= mkdir(dirname(config.path), { recursive: true, mode: PRIVATE_DIR });
    try {
      await ready;
      appendLine(io, config.path, `${JSON.stringify(event)}\n`);
    } catch (e) {
      ready = undefined;
      throw new AppError('destination_failed', `Destination ${name} could not write ${config.path}`, {
        status: 502,
        retryable: true,
        cause: e,
      });
    }
  };
};

/**
 * Appends a whole line or nothing, as a reader sees it. A write can stop part way (ENOSPC on a
 * full disk, EFBIG past RLIMIT_FSIZE): the partial line is cut off again (ftruncate) before the
 * error goes up, or the retry would append after it and join two lines into one invalid line.
 *
 * A file may also end mid-line before we write: a writer that crashed mid-line (or whose cut
 * failed), or another process's large write still running (the size grows a page at a time, and
 * fstat does not wait for the writer). The two cannot be told apart beforehand, and a newline put
 * before our line in the second case leaves an empty line once that writer ends its own. But our
 * write(2) waits for a running one (the kernel holds the inode lock for a whole write, which is
 * also why lines of concurrent writers never interleave): once ours is done, a line it joined can
 * only be one nobody is finishing. Then the line is written again, on a line of its own; the
 * joined line is left as it was, unreadable as it already was.
 */
function appendLine(io: FileIo, path: string, line: string): void {
  // A file it creates is the owner's alone (PRIVATE_FILE); an existing file keeps the mode it has.
  const fd = io.openSync(path, 'a+', PRIVATE_FILE);
  try {
    const data = Buffer.from(line);
    writeWhole(io, fd, data);
    if (joinedUnfinishedLine(io, fd, data)) writeWhole(io, fd, data);
  } finally {
    io.closeSync(fd);
  }
}

function writeWhole(io: FileIo, fd: number, data: Buffer): void {
  let written = 0;
  try {
    while (written < data.length) written += io.writeSync(fd, data, written, data.length - written);
  } catch (e) {
    if (written > 0) cutPartial(io, fd, data.subarray(0, written));
    throw e;
  }
}

/**
 * Whether the line just appended (still the file's tail) follows a byte other than a newline. A
 * line another writer appended after ours in the meantime leaves ours unjudged: that needs a
 * crashed line and a concurrent append within microseconds of each other.
 */
function joinedUnfinishedLine(io: FileIo, fd: number, data: Buffer): boolean {
  const end = io.fstatSync(fd).size;
  const start = end - data.length;
  if (start <= 0) return false;
  const tail = Buffer.alloc(data.length + 1);
  if (io.readSync(fd, tail, 0, tail.length, start - 1) !== tail.length) return false;
  return tail[0] !== 0x0a && tail.subarray(1).equals(data);
}

/**
 * Truncates the file back to before our partial write, only when it is still the file's tail: a
 * line another writer appended after it is left alone (the next append then starts a new line).
 * Best effort: the write's own error is the one to report.
 */
function cutPartial(io: FileIo, fd: number, partial: Buffer): void {
  try {
    const end = io.fstatSync(fd).size;
    const tail = Buffer.alloc(partial.length);
    if (end < partial.length || io.readSync(fd, tail, 0, tail.length, end - tail.length) !== tail.length) return;
    if (tail.equals(partial)) io.ftruncateSync(fd, end - partial.length);
  } catch {
    // The disk refused the write; a failing truncate changes nothing for the caller.
  }
}
