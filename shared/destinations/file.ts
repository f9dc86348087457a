import * as fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '../errors';
import type { Deliver } from './types';

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
    ready ??= mkdir(dirname(config.path), { recursive: true });
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
 * And a file that ends without a newline (a crash mid-write, or a cut that failed) gets one first,
 * so the new line stays readable.
 */
function appendLine(io: FileIo, path: string, line: string): void {
  // A file it creates is the owner's alone (0600): events carry findings and user details. An
  // existing file keeps the mode it has.
  const fd = io.openSync(path, 'a+', 0o600);
  try {
    const data = Buffer.from(endsMidLine(io, fd) ? `\n${line}` : line);
    let written = 0;
    try {
      while (written < data.length) written += io.writeSync(fd, data, written, data.length - written);
    } catch (e) {
      if (written > 0) cutPartial(io, fd, data.subarray(0, written));
      throw e;
    }
  } finally {
    io.closeSync(fd);
  }
}

/** Polls for a file end that has stopped moving: at most about this long, in steps of 1 ms. */
const SETTLE_MS = 50;
/** This many 1 ms steps without growth: no write is running (one moves the end within microseconds). */
const STILL_STEPS = 5;
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Whether the file ends mid-line with a line nobody is finishing. Another process's write of a
 * line longer than a page is visible while it runs (the size grows a page at a time, and readers
 * do not wait for the writer), so an end mid-line alone is no sign of a crash: a newline put before
 * ours would then leave an empty line once that writer ends its own. So the end must stay where
 * it is for a few milliseconds first; rare, as only a crash or a write in progress leaves it so.
 */
function endsMidLine(io: FileIo, fd: number): boolean {
  let size = io.fstatSync(fd).size;
  for (let still = 0, waited = 0; size > 0 && lastByte(io, fd, size) !== 0x0a; waited += 1) {
    if (still >= STILL_STEPS || waited >= SETTLE_MS) return true;
    pause(1);
    const now = io.fstatSync(fd).size;
    still = now === size ? still + 1 : 0;
    size = now;
  }
  return false;
}

function lastByte(io: FileIo, fd: number, size: number): number | undefined {
  const b = Buffer.alloc(1);
  return io.readSync(fd, b, 0, 1, size - 1) === 1 ? b[0] : undefined;
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
