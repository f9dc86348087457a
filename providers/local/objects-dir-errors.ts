import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { storageFailed } from '../../shared/objects/errors';
import { keyInvalid } from '../../shared/objects/keys';
import { ObjectExistsError } from '../../shared/ports/objects';
import { code } from './objects-dir-fs';

/** How the local object store (objects-dir.ts) reports file-system errors. */

export const isDir = (path: string) => stat(path).then((st) => st.isDirectory(), () => false);

/** File-system errors become typed ones; the message names bucket and key, never the path. */
export const failIn = (root: string) => async (op: string, bucket: string, key: string | undefined, e: unknown): Promise<never> => {
  if (e instanceof ObjectExistsError || (e as { code?: string }).code === 'object_key_invalid') throw e;
  // Retrying cannot help: the name is too long for this file system (assertFits catches Linux's limits first).
  if (code(e) === 'ENAMETOOLONG') {
    throw key === undefined ? keyInvalid('bucket', bucket, 'too long for the local file system') : keyInvalid('key', key, 'too long for the local file system');
  }
  const collision = code(e) === 'ENOTDIR' || code(e) === 'EISDIR' || code(e) === 'EEXIST';
  // Inside an existing bucket folder these mean a file stands where a folder must (or the reverse).
  if (key !== undefined && collision && (await isDir(join(root, bucket)))) {
    throw keyInvalid('key', key, 'a file and a folder of the same name cannot both exist in the local store');
  }
  throw storageFailed(op, bucket, key, { reason: code(e) ?? 'error' });
};
