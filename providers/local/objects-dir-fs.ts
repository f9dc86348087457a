import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RESERVED_SEGMENT_PREFIX } from '../../shared/objects/keys';
import { PRIVATE_DIR, PRIVATE_FILE } from './sqlite-files';

/** File-system helpers of the local object store (objects-dir.ts). */

/**
 * What a sidecar remembers about one data file. It is trusted only while the data file is the one
 * it describes (same inode, size and mtime), so a file copied in by hand or a write interrupted
 * between data and sidecar yields a recomputed etag and no content headers, never stale ones.
 */
export interface Sidecar {
  etag: string;
  ino: number;
  size: number;
  mtimeMs: number;
  contentType?: string;
  contentEncoding?: string;
}

export const tempName = () => `${RESERVED_SEGMENT_PREFIX}tmp-${randomUUID()}`;
export const code = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;
/** A path component is a file, or the key names a folder: the object is not there. */
export const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The sidecar at path, if it still describes the file st was taken from. */
export async function readSidecar(path: string, st: Stats): Promise<Sidecar | undefined> {
  try {
    const s = JSON.parse(await readFile(path, 'utf8')) as Sidecar;
    return s.ino === st.ino && s.size === st.size && s.mtimeMs === st.mtimeMs ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes a small file in one step for readers: a temp file in the same folder, then rename(2).
 * The file is its owner's only (0600, from the temp file on), as its folders are.
 */
export async function writeAtomically(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR });
  const temp = join(dirname(path), tempName());
  await writeFile(temp, data, { flag: 'wx', mode: PRIVATE_FILE });
  await rename(temp, path).catch(async (e: unknown) => {
    await unlink(temp).catch(() => undefined);
    throw e;
  });
}

/** The stats of a regular file; undefined when absent or a folder. */
export async function statFile(path: string): Promise<Stats | undefined> {
  try {
    const st = await stat(path);
    return st.isFile() ? st : undefined;
  } catch (e) {
    if (ABSENT.has(code(e) ?? '')) return undefined;
    throw e;
  }
}

/** Collects the keys under a bucket folder that start with prefix, skipping reserved names and
 * folders that cannot hold a match. */
export async function walk(base: string, dir: string, prefix: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(base, ...dir.split('/').filter(Boolean)), { withFileTypes: true });
  } catch (e) {
    if (ABSENT.has(code(e) ?? '')) return;
    throw e;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(RESERVED_SEGMENT_PREFIX)) continue;
    const key = dir + entry.name;
    if (entry.isDirectory() && (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix))) await walk(base, `${key}/`, prefix, out);
    else if (entry.isFile() && key.startsWith(prefix)) out.push(key);
  }
}
