import { access, constants, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { assertSafeKey } from '../../shared/objects/keys';
import type { ObjectInfo, ObjectStorage } from '../../shared/ports/objects';
import { hasConditions, meets } from '../../shared/objects/conditions';
import { toBytes } from '../../shared/objects/bytes';
import { ABSENT, code, sha256, statFile } from './objects-dir-fs';
import { failIn } from './objects-dir-errors';
import { infoOf } from './objects-dir-info';
import { keyPage } from './objects-dir-list';
import { conditionalMove } from './objects-dir-move';
import { keyPaths, writablePaths } from './objects-dir-paths';
import { writeObject } from './objects-dir-write';
import { PRIVATE_DIR } from './sqlite-files';

export interface DirObjectsOptions {
  /** Folder holding one sub-folder per bucket (SECORCH_DATA_DIR/objects in the local runtime). */
  root: string;
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

  const paths = (bucket: string, key: string) => keyPaths(root, bucket, key);
  const writable = (bucket: string, key: string) => writablePaths(root, bucket, key);
  const fail = failIn(root);

  return {
    async put(bucket, key, body, put = {}) {
      const p = writable(bucket, key);
      try {
        const data = toBytes(body);
        const side = { etag: sha256(data), contentType: put.contentType, contentEncoding: put.contentEncoding };
        const st = await writeObject(bucket, key, p, data, side, put.ifAbsent);
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
        const page = await keyPage(base, prefix, opts);
        const items: ObjectInfo[] = [];
        for (const key of page.keys) {
          const p = paths(bucket, key);
          const st = await statFile(p.data);
          if (st) items.push(await infoOf(bucket, key, p.data, p.meta, st));
        }
        return 'next' in page ? { items, next: page.next } : { items };
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
