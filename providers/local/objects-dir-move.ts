import type { Stats } from 'node:fs';
import { link, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { meets } from '../../shared/objects/conditions';
import type { ObjectMoveOptions, ObjectMoveResult } from '../../shared/ports/objects';
import { ABSENT, code, readSidecar, sha256File, statFile, tempName, writeAtomically } from './objects-dir-fs';
import type { Paths } from './objects-dir-paths';
import { PRIVATE_DIR } from './sqlite-files';

/** Tries of conditionalMove's first link while puts keep replacing the file at the key. */
const LINK_TRIES = 5;

/**
 * A move that touches only the object the conditions name, even when a writer (this store, or
 * anyone dropping a file into the folder) replaces the source meanwhile. Like the clouds' copy
 * then conditional delete, with the file itself as the etag's witness:
 * 1. copy: link(2) the source's file to a temp name beside it: both names now hold whatever
 *    file sat at the key at that instant; verify that file's etag (from its sidecar, else by
 *    hashing it); on a mismatch only the temp name is removed: the key is never touched;
 * 2. rename the temp name onto the destination (its sidecar first, as put does);
 * 3. delete: rename(2) whatever is at the source now to a second temp name, atomically; when it
 *    is our file (same inode), drop that name; when the source was replaced after step 1, link
 *    the new file back under its key (if a newer one already stands there, that one wins, as
 *    it would have overwritten this one) and answer `copied`.
 * A crash leaves at worst a temp name (ignored by list and head) beside an intact source or
 * destination, except a crash inside step 3's put-back, which only the race reaches.
 */
export async function conditionalMove(src: Paths, dst: Paths, opts: ObjectMoveOptions): Promise<ObjectMoveResult> {
  const copy = join(dirname(src.data), tempName());
  // link(2) fails with ENOENT, on Linux, also when the file it found at the key is being
  // replaced (a put's rename drops its last name between the lookup and the link): the key is
  // not absent then, it holds the new file, which is linked on the next try.
  for (let tries = 1; ; tries++) {
    try {
      await link(src.data, copy);
      break;
    } catch (e) {
      if (!ABSENT.has(code(e) ?? '')) throw e;
      if (tries === LINK_TRIES || !(await statFile(src.data))) return 'absent';
    }
  }
  let ours: Stats;
  try {
    ours = await stat(copy);
    const side = await readSidecar(src.meta, ours);
    const etag = side?.etag ?? (await sha256File(copy));
    if (!meets({ etag }, opts)) return 'changed';
    await mkdir(dirname(dst.data), { recursive: true, mode: PRIVATE_DIR });
    if (side) await writeAtomically(dst.meta, JSON.stringify(side));
    await rename(copy, dst.data);
  } finally {
    await unlink(copy).catch(() => undefined);
  }
  const taken = join(dirname(src.data), tempName());
  try {
    await rename(src.data, taken);
  } catch (e) {
    // Deleted by someone else meanwhile: the destination holds the object, the key is free.
    if (ABSENT.has(code(e) ?? '')) return 'moved';
    throw e;
  }
  const st = await stat(taken);
  if (st.ino === ours.ino && st.dev === ours.dev) {
    await unlink(taken);
    // The sidecar goes too if it still describes the file moved (a put may have replaced it).
    if (await readSidecar(src.meta, ours)) await unlink(src.meta).catch(() => undefined);
    return 'moved';
  }
  try {
    await link(taken, src.data);
  } catch (e) {
    if (code(e) !== 'EEXIST') throw e;
  } finally {
    await unlink(taken).catch(() => undefined);
  }
  return 'copied';
}
