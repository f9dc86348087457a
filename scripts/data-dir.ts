import { mkdirSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data directory of the local runtime ($SECORCH_DATA_DIR, default .data/), checked with one
 * clear line instead of a stack trace: npm start creates it, `npm run dlq` only opens what
 * npm start created (a mistyped path must not quietly become a new, empty queue).
 */
export class DataDirError extends Error {}

const kind = (path: string): 'missing' | 'folder' | 'other' => {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new DataDirError(`SECORCH_DATA_DIR ${path} is under a file, not a folder`);
    throw new DataDirError(`SECORCH_DATA_DIR ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
};

const notAFolder = (path: string) => new DataDirError(`SECORCH_DATA_DIR ${path} exists and is not a folder; point SECORCH_DATA_DIR at a folder (it is created when missing)`);

/**
 * For npm start: the folder, created when missing, for its owner only (0700): it holds the events,
 * delivery records with response bodies, dead letters with raw webhook bodies, and the key that
 * seals subscription secrets. An existing folder keeps its mode.
 */
export function ensureDataDir(path: string): void {
  const k = kind(path);
  if (k === 'other') throw notAFolder(path);
  if (k === 'missing') {
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
    } catch (e) {
      // A parent that is a file (ENOTDIR/EEXIST), or no permission.
      throw new DataDirError(`SECORCH_DATA_DIR ${path} cannot be created (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  assertWritable(path);
}

/**
 * A folder this user cannot write (a read-only file system, a folder made by `sudo npm start`)
 * passed the checks above, and then every worker failed to open its database and was restarted
 * with a stack trace, again and again, while the server answered. A folder made and removed at
 * once asks the file system itself: permission bits alone do not tell root or a read-only mount.
 */
function assertWritable(path: string): void {
  try {
    rmdirSync(mkdtempSync(join(path, '.write-check-')));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new DataDirError(`SECORCH_DATA_DIR ${path} cannot be written (${code}): the local databases, keys and inbox live there; point SECORCH_DATA_DIR at a folder this user can write`);
  }
}

/** For tools that read what npm start wrote: the path of an existing file in the folder, or a clear error. */
export function existingDataFile(dir: string, name: string): string {
  const k = kind(dir);
  if (k === 'other') throw notAFolder(dir);
  if (k === 'missing') throw new DataDirError(`no data directory at ${dir}: set SECORCH_DATA_DIR to the folder npm start uses (default .data/)`);
  const path = join(dir, name);
  if (kind(path) !== 'other') throw new DataDirError(`no ${name} in ${dir}: nothing has been queued there yet, or SECORCH_DATA_DIR is not the folder npm start uses`);
  return path;
}
