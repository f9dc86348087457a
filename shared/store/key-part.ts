import { createHash } from 'node:crypto';

/** Bytes of a text kept as they are in a key part, unless a caller says otherwise. */
export const MAX_PLAIN_PART_BYTES = 200;

/**
 * A text from outside (an event id, a delivery id, an object key) as a part of a state-store key:
 * itself, or when longer than `maxBytes` of UTF-8 (or starting with `~`, the mark of a digest)
 * `~` and its SHA-256 in base64url, so the two forms never meet. Such texts have no length limit
 * the stores share: the cloud stores take keys of 512 bytes (Azure Table) to 1024 (DynamoDB), and
 * a longer key fails every write of the record it names.
 */
export function keyPart(text: string, maxBytes = MAX_PLAIN_PART_BYTES): string {
  if (!text.startsWith('~') && (text.length <= maxBytes / 3 || Buffer.byteLength(text, 'utf8') <= maxBytes)) return text;
  return `~${createHash('sha256').update(text, 'utf8').digest('base64url')}`;
}
