import { basename, dirname, join, sep } from 'node:path';
import { assertSafeKey, keyInvalid, RESERVED_SEGMENT_PREFIX } from '../../shared/objects/keys';
import { sha256, tempName } from './objects-dir-fs';

/** Where the local object store (objects-dir.ts) keeps a key's file and its sidecar, and which keys fit there. */

const META = `${RESERVED_SEGMENT_PREFIX}meta`;

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

export type Paths = { base: string; data: string; meta: string };

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

/** The bucket folder, the key's file and its sidecar under root (resolved); bucket and key are validated first. */
export function keyPaths(root: string, bucket: string, key: string): Paths {
  assertSafeKey(bucket, 'bucket');
  assertSafeKey(key);
  const base = join(root, bucket);
  const data = join(base, ...key.split('/'));
  // Defence in depth: the rules above already keep the path inside root.
  if (!data.startsWith(base + sep)) throw keyInvalid('key', key, 'escapes the bucket folder');
  const segments = key.split('/');
  const name = segments.pop()!;
  return { base, data, meta: join(base, META, ...segments, sidecarName(name)) };
}

/** keyPaths() of a key about to be written. */
export function writablePaths(root: string, bucket: string, key: string): Paths {
  const p = keyPaths(root, bucket, key);
  assertFits(key, p);
  return p;
}
