import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { type AppError, toAppError } from '../../shared/errors';
import { assertSafeKey, keyInvalid } from '../../shared/objects/keys';

/**
 * The files of the inbox folder, read with their names as bytes: a file system name need not be
 * UTF-8 (a Latin-1 `é` is one byte 0xE9), and a name decoded to text with U+FFFD in it names no
 * file, so such a file could be neither read nor moved. Each file comes with its object key when
 * its name can be one, else with the reason, so the inbox can move it to quarantine.
 */
export interface InboxEntry {
  /** The relative path as text: the object key when `key` is set, else a lossy form. */
  rel: string;
  /** The absolute path, as bytes. */
  path: Buffer;
  /** The relative path's bytes made printable (`\\` for a backslash, `\xNN` outside ASCII): unique, for logs. */
  escaped: string;
  /** The object key, when the name is UTF-8 and a valid key (assertSafeKey). */
  key?: string;
  /** Why the name cannot be an object key. */
  keyError?: AppError;
  /** A symbolic link (to a file or a folder): listed so that it can be reported, never followed. */
  link?: true;
}

export interface ListOptions {
  /** Relative paths (text) never listed: hidden, temporary and quarantined names. */
  ignored: (rel: string) => boolean;
  /** A folder that could not be read (its escaped relative path, '' for the inbox itself). */
  unreadable: (escaped: string, error: unknown) => void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const SLASH = Buffer.from('/');
const DOT = 0x2e;

/** Bytes as printable ASCII: `\\` for a backslash, `\xNN` for control bytes and bytes above 0x7E. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b === 0x5c ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

function decode(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function entryOf(path: Buffer, relBytes: Buffer): InboxEntry {
  const escaped = escapeBytes(relBytes);
  const text = decode(relBytes);
  if (text === undefined) {
    return { rel: relBytes.toString('utf8'), path, escaped, keyError: keyInvalid('key', escaped, 'is not valid UTF-8') };
  }
  try {
    assertSafeKey(text);
    return { rel: text, path, escaped, key: text };
  } catch (e) {
    return { rel: text, path, escaped, keyError: toAppError(e) };
  }
}

/**
 * Every file under `dir` (bytes) not ignored; hidden folders and ignored folders are not entered.
 * Symbolic links come marked `link` and are not entered either: one could lead out of the inbox.
 */
export async function listInbox(dir: string, opts: ListOptions): Promise<InboxEntry[]> {
  const out: InboxEntry[] = [];
  const walk = async (abs: Buffer, rel: Buffer | undefined): Promise<void> => {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') opts.unreadable(rel ? escapeBytes(rel) : '', e);
      return;
    }
    for (const entry of entries) {
      const name = entry.name as unknown as Buffer;
      if (name[0] === DOT) continue;
      const childRel = rel ? Buffer.concat([rel, SLASH, name]) : name;
      const childAbs = Buffer.concat([abs, SLASH, name]);
      const text = childRel.toString('utf8');
      if (entry.isDirectory()) {
        if (!opts.ignored(`${text}/`)) await walk(childAbs, childRel);
      } else if (entry.isFile() && !opts.ignored(text)) {
        out.push(entryOf(childAbs, childRel));
      } else if (entry.isSymbolicLink() && !opts.ignored(text)) {
        out.push({ ...entryOf(childAbs, childRel), link: true });
      }
    }
  };
  await walk(Buffer.from(dir), undefined);
  return out;
}

/**
 * A key for a file whose name cannot be one: the name with every character outside
 * `[A-Za-z0-9._-]` replaced by `_`, after a hash of the original bytes (two names differing only
 * in such characters stay apart).
 */
export function safeName(entry: Pick<InboxEntry, 'escaped' | 'rel'>): string {
  const hash = createHash('sha256').update(entry.escaped).digest('hex').slice(0, 12);
  const readable = entry.rel.replace(/[^A-Za-z0-9._-]/g, '_').slice(-100);
  return `unsafe-name-${hash}-${readable}`;
}
