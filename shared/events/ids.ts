import { createHash } from 'node:crypto';

/**
 * A UUID-shaped id (version 5 layout, SHA-256 based) derived from its parts, so the same facts
 * always give the same CloudEvent id and consumers deduplicate on (source, id) across
 * redeliveries. Parts are joined with NUL, which no part can contain ambiguously.
 */
export function stableEventId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  const variant = ((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
