import { basename } from 'node:path';
import { AppError } from '../../shared/errors';

/**
 * SQLite errors about the database file itself, which no retry of the statement can fix, as
 * errors that name the file and say what to do: logs, a worker's exit line and `npm run dlq`
 * carry only an error's message, and SQLite's own ("file is not a database", "database or disk
 * is full") names no file. The original code and message stay in the text. Every other error
 * (a constraint, a busy lock, a bug in a statement) is left as it is.
 */
const codeOf = (e: unknown): string => String((e as { code?: unknown } | null)?.code ?? '');

export function sqliteFileError(path: string, e: unknown): AppError | undefined {
  const code = codeOf(e);
  const what = `${code}: ${(e as Error).message}`;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    // Unexposed: the path is for the operator's log, not for an HTTP client (who gets a bare 500).
    return new AppError('store_damaged',
      `The local database ${path} is damaged (${what}). Stop npm start, then restore it from a backup, or move it aside ` +
      `together with ${basename(path)}-wal and ${basename(path)}-shm beside it to start again with an empty one (what it held is then lost)`,
      { status: 500, retryable: false, expose: false });
  }
  if (code === 'SQLITE_FULL') {
    // Shown to the caller (a webhook sender retries a 503), so it names the file only by its name.
    return new AppError('store_full',
      `The disk holding the local database ${basename(path)} is full (${code}): free space on it; nothing more can be stored until then`,
      { status: 503, retryable: true, expose: true, headers: { 'retry-after': '30' } });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code.startsWith('SQLITE_IOERR')) {
    return new AppError('store_io_failed',
      `The local database ${path} could not be read or written (${what}): check that its folder exists, that this user may write to both, and that the disk is healthy`,
      { status: 500, retryable: true, expose: false });
  }
  return undefined;
}

/**
 * A schema or statement of ours that SQLite refuses when a store opens its file (SQLITE_ERROR:
 * "no such column", a view where a table should be): the file is a SQLite database, but not one
 * of this runtime's. Nearly always a path pointing at another program's database (`store.path`,
 * SECORCH_DATA_DIR), whose table of the same name has other columns. Nothing changes that until
 * someone acts, so it is not retryable: a worker stops with this line instead of being restarted
 * to fail the same way. Any other error is left as it is (typed already, or a busy lock).
 */
export function foreignDatabaseError(path: string, e: unknown): AppError | undefined {
  const code = codeOf(e);
  if (code !== 'SQLITE_ERROR') return undefined;
  return new AppError('store_incompatible',
    `The local database ${path} is not one of this runtime's (${code}: ${(e as Error).message}): it may be another program's database. ` +
    'Point SECORCH_DATA_DIR (or store.path, for the state store) at a file of its own, or move this one aside to start with an empty one',
    { status: 500, retryable: false, expose: false, cause: e });
}
