import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KEY_BYTES, sealError } from '../../shared/crypto/aead';
import { keySealer, type Sealer } from '../../shared/ports/sealer';

export interface KeyFileSealerOptions {
  /** The local data directory (SECORCH_DATA_DIR); the key lives in `keys/subscriptions.key`. */
  dataDir: string;
}

export const keyFilePath = (dataDir: string): string => join(dataDir, 'keys', 'subscriptions.key');

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;

async function readKey(path: string): Promise<Buffer | undefined> {
  let key: Buffer;
  try {
    key = await readFile(path);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
  if (key.length !== KEY_BYTES) throw new Error(`key file holds ${key.length} bytes, not ${KEY_BYTES}`);
  return key;
}

/**
 * Creates the key so that racing processes (serverless-offline runs each function in its own
 * worker) end up with one: the bytes go to a private temp file (`wx`, 0600, fsync), which is then
 * hard-linked to the final name. link() fails with EEXIST if a racer won, and the key file only
 * ever appears complete, so no reader sees an empty or half-written key (a plain `wx` open of the
 * final name would expose one, forever if the writer died). The loser reads the winner's key.
 */
async function createKey(path: string): Promise<void> {
  await mkdir(dirname(dirname(path)), { recursive: true });
  await mkdir(dirname(path), { mode: 0o700 }).catch((e: unknown) => {
    if (errno(e) !== 'EEXIST') throw e;
  });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(randomBytes(KEY_BYTES));
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(tmp, path);
  } catch (e) {
    if (errno(e) !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * The local Sealer: AES-256-GCM under a 32-byte key in `<dataDir>/keys/subscriptions.key`
 * (directory 0700, file 0600), created on first seal. open() never creates the key: a missing
 * key file means every sealed secret is lost, and that must surface, not be papered over by a
 * new key. Back the key file up with the data directory.
 */
export function keyFileSealer(opts: KeyFileSealerOptions): Sealer {
  const path = keyFilePath(opts.dataDir);
  let key: Buffer | undefined; // kept once read; concurrent first calls each read (cheap, race-safe)

  return keySealer('local', async (create) => {
    try {
      key ??= (await readKey(path)) ?? (create ? (await createKey(path), await readKey(path)) : undefined);
    } catch (e) {
      throw sealError(create ? 'seal_failed' : 'unseal_failed', 'key', 'The local sealing key file could not be read or created', { cause: e });
    }
    if (!key) throw sealError(create ? 'seal_failed' : 'unseal_failed', 'key', 'The local sealing key file is missing');
    return key;
  });
}
