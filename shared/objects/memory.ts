import { createHash } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { type ObjectInfo, type ObjectStorage, ObjectExistsError } from '../ports/objects';
import { meets } from './conditions';
import { compareKeys } from './keys';

interface Held {
  body: Uint8Array;
  info: ObjectInfo;
}

const bytes = (body: Uint8Array | string): Uint8Array => (typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body));

/** Chunks of at most 64 KiB, as a network stream would deliver them. */
async function* chunks(body: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < body.length; i += 65536) yield body.subarray(i, Math.min(body.length, i + 65536));
}

/**
 * In-process object storage for tests and single-process tools. Buckets spring into existence on
 * first write; versions count up per key so tests can tell two writes of one key apart. Keys are
 * listed in UTF-8 byte order like the cloud stores; the list cursor is the last key of the page.
 */
export function memoryObjects(clock: Clock): ObjectStorage & { buckets: Map<string, Map<string, Held>> } {
  const buckets = new Map<string, Map<string, Held>>();
  let versions = 0;
  const bucketOf = (name: string) => {
    let b = buckets.get(name);
    if (!b) buckets.set(name, (b = new Map()));
    return b;
  };
  const copyInfo = (info: ObjectInfo): ObjectInfo => ({ ...info });
  return {
    buckets,
    async put(bucket, key, body, opts = {}) {
      const b = bucketOf(bucket);
      if (opts.ifAbsent && b.has(key)) throw new ObjectExistsError(bucket, key);
      const data = bytes(body);
      const info: ObjectInfo = {
        bucket,
        key,
        size: data.length,
        etag: createHash('sha256').update(data).digest('hex'),
        version: String(++versions),
        lastModified: new Date(clock.now()).toISOString(),
      };
      if (opts.contentType) info.contentType = opts.contentType;
      if (opts.contentEncoding) info.contentEncoding = opts.contentEncoding;
      b.set(key, { body: data, info });
      return copyInfo(info);
    },
    async get(bucket, key) {
      const held = buckets.get(bucket)?.get(key);
      return held ? new Uint8Array(held.body) : undefined;
    },
    async stream(bucket, key) {
      const held = buckets.get(bucket)?.get(key);
      return held ? { info: copyInfo(held.info), body: chunks(held.body) } : undefined;
    },
    async head(bucket, key) {
      const held = buckets.get(bucket)?.get(key);
      return held ? copyInfo(held.info) : undefined;
    },
    async list(bucket, prefix, opts = {}) {
      const limit = opts.limit ?? 1000;
      const after = opts.after;
      const keys = [...(buckets.get(bucket)?.keys() ?? [])]
        .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
        .sort(compareKeys);
      const page = keys.slice(0, limit);
      const items = page.map((k) => copyInfo(buckets.get(bucket)!.get(k)!.info));
      return keys.length > limit ? { items, next: page[page.length - 1] } : { items };
    },
    // One synchronous step after the lookup: nothing can replace the source between check, copy and delete.
    async move(bucket, from, to, opts) {
      const b = bucketOf(bucket);
      const held = b.get(from);
      if (!held) return 'absent';
      if (!meets(held.info, opts)) return 'changed';
      if (from === to) return 'moved';
      b.set(to, { body: held.body, info: { ...held.info, key: to, version: String(++versions) } });
      b.delete(from);
      return 'moved';
    },
    async delete(bucket, key) {
      buckets.get(bucket)?.delete(key);
    },
    async check() {},
  };
}
