import { access, constants, link, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { storageFailed } from '../../shared/objects/errors';
import { assertSafeKey, compareKeys, keyInvalid, RESERVED_SEGMENT_PREFIX } from '../../shared/objects/keys';
import { type ObjectInfo, type ObjectMoveOptions, type ObjectMoveResult, type ObjectStorage, ObjectExistsError } from '../../shared/ports/objects';
import { hasConditions, meets } from '../../shared/objects/conditions';
import { toBytes } from '../../shared/objects/bytes';
import { ABSENT, code, readSidecar, sha256, sha256File, type Sidecar, statFile, tempName, walk, writeAtomically } from './objects-dir-fs';
import { PRIVATE_DIR, PRIVATE_FILE } from './sqlite-files';

export interface DirObjectsOptions {
  /** Folder holding one sub-folder per bucket (SECORCH_DATA_DIR/objects in the local runtime). */
  root: string;
}

const META = `${RESERVED_SEGMENT_PREFIX}meta`;

/** Tries of conditionalMove's first link while puts keep replacing the file at the key. */
const LINK_TRIES = 5;
/** The longest file name (NAME_MAX) and path (PATH_MAX less its NUL) of Linux; macOS allows no more. */
const NAME_MAX = 255;
const PATH_MAX = 4095;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** `.secorch-<name>.json` fits NAME_MAX up to this length of name; longer ones are named by a digest. */
const PLAIN_SIDECAR_MAX = NAME_MAX - bytes(`${RESERVED_SEGMENT_PREFIX}.json`);
const TEMP_BYTES = bytes(tempName());

/**
 * The sidecar's own name carries the reserved prefix, so it never collides with a folder mirrored
 * from another key (keys `a` and `a.json/x` coexist). A name too long for that (242 to 255 bytes)
 * gets `.secorch-.secorch-<sha256 of the name>.json`: no key's segment starts with the reserved
 * prefix, so no shorter key's sidecar can take that name, and the names earlier versions gave
 * stay as they were (a longer name never had a sidecar: writing it failed).
 */
const sidecarName = (name: string) =>
  bytes(name) <= PLAIN_SIDECAR_MAX
    ? `${RESERVED_SEGMENT_PREFIX}${name}.json`
    : `${RESERVED_SEGMENT_PREFIX}${RESERVED_SEGMENT_PREFIX}${sha256(Buffer.from(name, 'utf8'))}.json`;

type Paths = { base: string; data: string; meta: string };

/**
 * Refuses, before anything is written, a key this store could write only part of: a segment over
 * NAME_MAX, or a path that fits while its sidecar or a temp name beside either does not (the
 * sidecar's folder is 14 bytes longer than the file's). A smaller limit of another file system
 * still surfaces as ENAMETOOLONG, which `fail` reports as the same error.
 */
function assertFits(key: string, p: Paths): void {
  if (key.split('/').some((s) => bytes(s) > NAME_MAX)) throw keyInvalid('key', key, `has a segment longer than ${NAME_MAX} bytes, the longest file name of the local store`);
  const longest = (path: string) => bytes(dirname(path)) + 1 + Math.max(bytes(basename(path)), TEMP_BYTES);
  if (Math.max(longest(p.data), longest(p.meta)) > PATH_MAX) throw keyInvalid('key', key, `is too long for a path of the local store (at most ${PATH_MAX} bytes with the store's folder and bookkeeping names)`);
}

/**
 * Object storage in a local folder, for `npm start` and single-machine use: bucket = a sub-folder
 * of root, key = a relative path (slashes become folders). Keys are validated by assertSafeKey, so
 * no key or bucket name can point outside root. Writes go to a temp file in the target folder and
 * are renamed into place (readers see the old or the new object, never a partial one); ifAbsent
 * uses link(2), which fails with EEXIST atomically, so of two concurrent writers exactly one wins.
 * etag (sha256 of the content), contentType and contentEncoding live in a sidecar JSON under
 * `<bucket>/.secorch-meta/`, so head and list never re-read a large file. A key is written only
 * when its file, its sidecar and their temp names all fit the file system's name and path limits
 * (object_key_invalid otherwise, before anything is written). Writes are
 * not fsynced: a machine crash may lose the latest writes, never tear one. What it writes is its
 * owner's only (files 0600, folders 0700), also in a bucket folder that existed before: the root
 * is the data directory, which may be open to others. Existing folders keep their modes; an
 * object it moves keeps its file's. Empty folders left by
 * delete and move are kept (removing them would race with a concurrent put into the same folder).
 * The key `a` and the keys under `a/` cannot both exist here (a file is not a folder): such a put
 * fails with object_key_invalid.
 */
export function dirObjects(opts: DirObjectsOptions): ObjectStorage {
  const root = resolve(opts.root);

  const paths = (bucket: string, key: string): Paths => {
    assertSafeKey(bucket, 'bucket');
    assertSafeKey(key);
    const base = join(root, bucket);
    const data = join(base, ...key.split('/'));
    // Defence in depth: the rules above already keep the path inside root.
    if (!data.startsWith(base + sep)) throw keyInvalid('key', key, 'escapes the bucket folder');
    const segments = key.split('/');
    const name = segments.pop()!;
    return { base, data, meta: join(base, META, ...segments, sidecarName(name)) };
  };
  /** paths() of a key about to be written. */
  const writable = (bucket: string, key: string): Paths => {
    const p = paths(bucket, key);
    assertFits(key, p);
    return p;
  };

  const isDir = (path: string) => stat(path).then((st) => st.isDirectory(), () => false);

  /** File-system errors become typed ones; the message names bucket and key, never the path. */
  const fail = async (op: string, bucket: string, key: string | undefined, e: unknown): Promise<never> => {
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

  async function infoOf(bucket: string, key: string, data: string, meta: string, st: Stats): Promise<ObjectInfo> {
    const side = await readSidecar(meta, st);
    const info: ObjectInfo = { bucket, key, size: st.size, etag: side?.etag ?? (await sha256File(data)), lastModified: st.mtime.toISOString() };
    if (side?.contentType) info.contentType = side.contentType;
    if (side?.contentEncoding) info.contentEncoding = side.contentEncoding;
    return info;
  }

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
  async function conditionalMove(src: ReturnType<typeof paths>, dst: ReturnType<typeof paths>, opts: ObjectMoveOptions): Promise<ObjectMoveResult> {
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

  return {
    async put(bucket, key, body, put = {}) {
      const p = writable(bucket, key);
      try {
        const data = toBytes(body);
        const side = { etag: sha256(data), contentType: put.contentType, contentEncoding: put.contentEncoding };
        await mkdir(dirname(p.data), { recursive: true, mode: PRIVATE_DIR });
        const temp = join(dirname(p.data), tempName());
        await writeFile(temp, data, { flag: 'wx', mode: PRIVATE_FILE });
        const st = await stat(temp);
        const sidecar = JSON.stringify({ ...side, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs } satisfies Sidecar);
        if (put.ifAbsent) {
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
        const info: ObjectInfo = { bucket, key, size: st.size, etag: side.etag, lastModified: st.mtime.toISOString() };
        if (put.contentType) info.contentType = put.contentType;
        if (put.contentEncoding) info.contentEncoding = put.contentEncoding;
        return info;
      } catch (e) {
        return fail('put', bucket, key, e);
      }
    },

    async get(bucket, key) {
      const p = paths(bucket, key);
      try {
        return new Uint8Array(await readFile(p.data));
      } catch (e) {
        if (ABSENT.has(code(e) ?? '')) return undefined;
        return fail('get', bucket, key, e);
      }
    },

    async stream(bucket, key) {
      const p = paths(bucket, key);
      let handle;
      try {
        handle = await open(p.data, 'r');
      } catch (e) {
        if (ABSENT.has(code(e) ?? '')) return undefined;
        return fail('stream', bucket, key, e);
      }
      try {
        const st = await handle.stat();
        if (!st.isFile()) {
          await handle.close();
          return undefined;
        }
        const info = await infoOf(bucket, key, p.data, p.meta, st);
        // The stream owns the handle from here on and closes it at the end or on destroy().
        return { info, body: handle.createReadStream() };
      } catch (e) {
        await handle.close().catch(() => undefined);
        return fail('stream', bucket, key, e);
      }
    },

    async head(bucket, key) {
      const p = paths(bucket, key);
      try {
        const st = await statFile(p.data);
        return st && (await infoOf(bucket, key, p.data, p.meta, st));
      } catch (e) {
        if (ABSENT.has(code(e) ?? '')) return undefined;
        return fail('head', bucket, key, e);
      }
    },

    async list(bucket, prefix, opts = {}) {
      assertSafeKey(bucket, 'bucket');
      const base = join(root, bucket);
      try {
        const keys: string[] = [];
        await walk(base, '', prefix, keys);
        const after = opts.after;
        const sorted = keys.sort(compareKeys).filter((k) => after === undefined || compareKeys(k, after) > 0);
        const limit = opts.limit ?? 1000;
        const items: ObjectInfo[] = [];
        for (const key of sorted.slice(0, limit)) {
          const p = paths(bucket, key);
          const st = await statFile(p.data);
          if (st) items.push(await infoOf(bucket, key, p.data, p.meta, st));
        }
        return sorted.length > limit ? { items, next: sorted[limit - 1] } : { items };
      } catch (e) {
        return fail('list', bucket, undefined, e);
      }
    },

    async move(bucket, from, to, opts) {
      const src = paths(bucket, from);
      const dst = writable(bucket, to);
      try {
        const st = await statFile(src.data);
        if (!st) return 'absent';
        if (!hasConditions(opts)) {
          await mkdir(dirname(dst.data), { recursive: true, mode: PRIVATE_DIR });
          // rename(2) is atomic within one file system: better than the copy-then-delete clouds need.
          await rename(src.data, dst.data);
          await mkdir(dirname(dst.meta), { recursive: true, mode: PRIVATE_DIR });
          await rename(src.meta, dst.meta).catch(() => undefined);
          return 'moved';
        }
        if (from === to) return meets(await infoOf(bucket, from, src.data, src.meta, st), opts) ? 'moved' : 'changed';
        return await conditionalMove(src, dst, opts);
      } catch (e) {
        return fail('move', bucket, to, e);
      }
    },

    async delete(bucket, key) {
      const p = paths(bucket, key);
      try {
        await unlink(p.data);
      } catch (e) {
        if (!ABSENT.has(code(e) ?? '') && code(e) !== 'EPERM') return fail('delete', bucket, key, e);
      }
      await unlink(p.meta).catch(() => undefined);
    },

    async check(bucket) {
      if (bucket !== undefined) assertSafeKey(bucket, 'bucket');
      const dir = bucket === undefined ? root : join(root, bucket);
      try {
        await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
        await access(dir, constants.R_OK | constants.W_OK);
      } catch (e) {
        return fail('check', bucket ?? '(root)', undefined, e);
      }
    },
  };
}
