import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KEY_BYTES, sealError, type SealErrorCode } from '../../shared/crypto/aead';
import { keySealer, type Sealer } from '../../shared/ports/sealer';
import { PRIVATE_DIR } from './sqlite-files';

export interface KeyFileSealerOptions {
  /** The local data directory (SECORCH_DATA_DIR); the key lives in `keys/subscriptions.key`. */
  dataDir: string;
}

export const keyFilePath = (dataDir: string): string => join(dataDir, 'keys', 'subscriptions.key');

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;

/** A key problem, with what to do in the message: logs carry an error's message only. */
const keyError = (code: SealErrorCode, message: string, cause?: unknown) => sealError(code, 'key', message, { cause });

/**
 * Reads the key; undefined when the file does not exist. A file of any other length is damaged
 * and refused: replacing it would make every stored secret unreadable.
 */
async function readKey(path: string, code: SealErrorCode): Promise<Buffer | undefined> {
  let key: Buffer;
  try {
    key = await readFile(path);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw keyError(code, `The local sealing key file ${path} could not be read (${errno(e) ?? 'error'})`, e);
  }
  if (key.length !== KEY_BYTES) {
    throw keyError(code, `The local sealing key file ${path} is damaged (${key.length} bytes, not ${KEY_BYTES}): restore it from a backup; a new key would not open the secrets sealed so far`);
  }
  return key;
}

/**
 * fsync on a directory, so that the names in it (a new file, a rename into it) are on disk: a
 * file's own fsync does not cover its directory entry (fsync(2), "Notes"). Windows cannot open a
 * directory for this; NTFS journals the rename itself.
 */
async function syncDir(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

const exists = (path: string) => stat(path).then(() => true, (e: unknown) => {
  if (errno(e) === 'ENOENT') return false;
  throw e;
});

/**
 * Creates the key so that racing processes (serverless-offline runs each function in its own
 * worker) end up with one, and so that a key once made is never silently made again. The key is
 * written (0600, fsync) into a private temp directory (0700, a name no bucket can take) that is
 * then renamed to `keys/`: rename() refuses a non-empty target, so one racer wins, the others
 * read its key, and the key file only ever appears complete. `keys/` therefore exists exactly when a key was created: a
 * key file missing from an existing `keys/` was deleted or lost, and seal refuses to make a new
 * one (which would leave every stored secret unreadable, also after the old key is restored).
 */
async function createKey(path: string): Promise<void> {
  const keysDir = dirname(path);
  const dataDir = dirname(keysDir);
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR });
  if (await exists(keysDir)) return; // made by a racer, or the key was lost: the caller reads and decides
  const tmp = await mkdtemp(join(dataDir, '.secorch-keys-'));
  try {
    const file = await open(join(tmp, 'subscriptions.key'), 'wx', 0o600);
    try {
      await file.writeFile(randomBytes(KEY_BYTES));
      await file.sync();
    } finally {
      await file.close();
    }
    await syncDir(tmp);
    await rename(tmp, keysDir).catch((e: unknown) => {
      // ENOTEMPTY/EEXIST (EPERM on Windows): a racer's keys/ is already in place.
      if (!['ENOTEMPTY', 'EEXIST', 'EPERM'].includes(errno(e) ?? '')) throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The local Sealer: AES-256-GCM under a 32-byte key in `<dataDir>/keys/subscriptions.key`
 * (directory 0700, file 0600), created on first seal. open() never creates the key, and seal()
 * creates it only where none was ever made: a missing key file means every sealed secret is
 * lost, and that must surface, not be papered over by a new key. Back the key file up with the
 * data directory.
 */
export function keyFileSealer(opts: KeyFileSealerOptions): Sealer {
  const path = keyFilePath(opts.dataDir);
  let key: Buffer | undefined; // kept once read; concurrent first calls each read (cheap, race-safe)
  let durable = false;

  /**
   * Before the first seal, `keys/` in the data directory is made durable, whoever renamed it (this
   * process, or a racer that may not have synced yet): otherwise a power loss could keep secrets
   * sealed under the key (SQLite syncs its writes) but lose `keys/`, and the next seal would make a
   * new key where the old one was lost.
   */
  const sealable = async (k: Buffer, code: SealErrorCode): Promise<Buffer> => {
    if (durable) return k;
    try {
      await syncDir(dirname(dirname(path)));
    } catch (e) {
      throw keyError(code, `The directory of the local sealing key file ${path} could not be synced to disk (${errno(e) ?? 'error'})`, e);
    }
    durable = true;
    return k;
  };

  const load = async (create: boolean): Promise<Buffer> => {
    const code: SealErrorCode = create ? 'seal_failed' : 'unseal_failed';
    key ??= await readKey(path, code);
    if (key) return create ? sealable(key, code) : key;
    if (!create) throw keyError(code, `The local sealing key file ${path} is missing: restore it from a backup; the secrets sealed under it cannot be opened without it`);
    try {
      await createKey(path);
    } catch (e) {
      throw keyError(code, `The local sealing key file ${path} could not be created (${errno(e) ?? 'error'})`, e);
    }
    key = await readKey(path, code);
    if (!key) {
      throw keyError(code, `The local sealing key file ${path} is missing, but a key was made before (${dirname(path)} exists): restore the key file from a backup, or delete that directory to start over with a new key (the secrets sealed so far then stay unreadable)`);
    }
    return sealable(key, code);
  };

  return keySealer('local', load);
}
