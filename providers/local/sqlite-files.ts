import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../shared/errors';

/**
 * The modes of what the local runtime creates in the data directory: its owner's only. The data
 * directory holds sealed subscription secrets and their key, dead letters with raw webhook bodies,
 * replay ids, delivery records and archived events; a data directory that already existed keeps
 * its mode (scripts/data-dir.ts), and may be open to others, so what is made inside protects
 * itself. Files and folders that already exist keep theirs: tightening them is the owner's call.
 */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/**
 * Creates an empty database file (0600) unless one exists, for SQLite to open: its unix VFS
 * creates a file 0644 (SQLITE_DEFAULT_FILE_PERMISSIONS, less the umask) and gives the -wal, -shm
 * and -journal files beside it the main file's mode, so the mode set here covers all of them. An
 * empty file is a new database to SQLite. Any failure but EEXIST (a folder this user may not
 * write) is left to SQLite's own open, which fails the same way and names the file.
 */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', PRIVATE_FILE));
  } catch {
    // EEXIST: the file keeps its mode; anything else: see above.
  }
}

/**
 * Makes the folder of a database file (0700 for each folder made; existing ones keep their modes).
 * A folder that cannot be made (a file in the way, a parent this user may not write, a full disk)
 * is store_io_failed naming the file, as SQLite's own failure to open it is (sqlite-errors.ts):
 * Node's bare error would reach the one-minute schedules as an unhandled exception every minute
 * (functions/scheduled.ts), and the workers as a crash to restart rather than a line saying why.
 */
export function makeDatabaseFolder(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR });
  } catch (e) {
    const code = String((e as { code?: unknown } | null)?.code ?? '');
    throw new AppError('store_io_failed',
      `The folder of the local database ${path} could not be made (${code}: ${(e as Error).message}): check that the path names a folder, or one this user may create`,
      { status: 500, retryable: true, expose: false, cause: e });
  }
}
