import type { Stats } from 'node:fs';
import { link, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ObjectExistsError } from '../../shared/ports/objects';
import { code, type Sidecar, tempName, writeAtomically } from './objects-dir-fs';
import { isDir } from './objects-dir-errors';
import type { Paths } from './objects-dir-paths';
import { PRIVATE_DIR, PRIVATE_FILE } from './sqlite-files';

/**
 * The file half of the local object store's put (objects-dir.ts): data goes to a temp file in the
 * target folder, then is renamed into place, or with ifAbsent linked there (ObjectExistsError when
 * a file already is), with side as its sidecar. Answers the stats of the file written.
 */
export async function writeObject(
  bucket: string, key: string, p: Paths, data: Uint8Array, side: Pick<Sidecar, 'etag' | 'contentType' | 'contentEncoding'>, ifAbsent: boolean | undefined,
): Promise<Stats> {
  await mkdir(dirname(p.data), { recursive: true, mode: PRIVATE_DIR });
  const temp = join(dirname(p.data), tempName());
  await writeFile(temp, data, { flag: 'wx', mode: PRIVATE_FILE });
  const st = await stat(temp);
  const sidecar = JSON.stringify({ ...side, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs } satisfies Sidecar);
  if (ifAbsent) {
    try {
      await link(temp, p.data);
    } catch (e) {
      // A folder at the key holds no object (get and head find none): `fail` names the clash.
      if (code(e) === 'EEXIST' && !(await isDir(p.data))) throw new ObjectExistsError(bucket, key);
      throw e;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    await writeAtomically(p.meta, sidecar);
  } else {
    // Sidecar first: it matches only the new inode, so it is ignored until the rename lands.
    await writeAtomically(p.meta, sidecar);
    await rename(temp, p.data).catch(async (e: unknown) => {
      await unlink(temp).catch(() => undefined);
      throw e;
    });
  }
  return st;
}
