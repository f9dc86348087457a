import type { Stats } from 'node:fs';
import type { ObjectInfo } from '../../shared/ports/objects';
import { readSidecar, sha256File } from './objects-dir-fs';

/** What head, stream and list of the local object store (objects-dir.ts) answer for one file. */
export async function infoOf(bucket: string, key: string, data: string, meta: string, st: Stats): Promise<ObjectInfo> {
  const side = await readSidecar(meta, st);
  const info: ObjectInfo = { bucket, key, size: st.size, etag: side?.etag ?? (await sha256File(data)), lastModified: st.mtime.toISOString() };
  if (side?.contentType) info.contentType = side.contentType;
  if (side?.contentEncoding) info.contentEncoding = side.contentEncoding;
  return info;
}
