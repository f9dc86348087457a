import { createHash } from 'node:crypto';
import { isWellFormed } from './text-and-ttl';

/** Bytes of a text kept as they are in a key part, unless a caller says otherwise. */
export const MAX_PLAIN_PART_BYTES = 200;

/**
 * A text from outside (an event id, a delivery id, an object key) as a part of a state-store key:
 * itself, or when longer than `maxBytes` of UTF-8 (or starting with `~`, the mark of a digest)
 * `~` and its SHA-256 in base64url, so the two forms never meet. Such texts have no length limit,
 * while every store refuses a key over MAX_KEY_BYTES (512 bytes: shared/ports/store.ts), which
 * would fail every write of the record it names. A text no store keeps as it is also
 * becomes a digest: U+0000 (PostgreSQL refuses it) and a lone surrogate (UTF-8 stores write
 * U+FFFD for it, so two such ids would be one key; the stores refuse it).
 */
export function keyPart(text: string, maxBytes = MAX_PLAIN_PART_BYTES): string {
  const short = text.length <= maxBytes / 3 || Buffer.byteLength(text, 'utf8') <= maxBytes;
  if (short && !text.startsWith('~') && !text.includes('\u0000') && isWellFormed(text)) return text;
  return `~${digest(text)}`;
}

/**
 * SHA-256 of the text's UTF-8, or for a text with a lone surrogate (which UTF-8 cannot encode) of
 * a 0xFF byte and its UTF-16 code units: 0xFF never occurs in UTF-8, so no other text's digest
 * input is the same.
 */
function digest(text: string): string {
  const hash = createHash('sha256');
  if (isWellFormed(text)) hash.update(text, 'utf8');
  else hash.update(Buffer.from([0xff])).update(Buffer.from(text, 'utf16le'));
  return hash.digest('base64url');
}
