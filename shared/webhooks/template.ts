import { errors } from '../errors';

/**
 * A `signedContent` template such as `{timestamp}.{body}`, parsed once into parts; literals
 * become Buffers once. Same placeholders as the hmac scheme: {body}, {timestamp}, {id}.
 */
export type Part = { kind: 'literal'; bytes: Buffer } | { kind: 'body' | 'timestamp' | 'id' };

const PLACEHOLDER = /\{([^{}]*)\}/g;

export function parseTemplate(template: string, scheme: string, has: { timestamp: boolean; id: boolean }): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (name !== 'body' && name !== 'timestamp' && name !== 'id') {
      throw errors.config(`${scheme} signedContent: unknown placeholder {${name}}; use {body}, {timestamp} or {id}`);
    }
    if (name === 'timestamp' && !has.timestamp) throw errors.config(`${scheme} signedContent uses {timestamp} but no timestampHeader is set`);
    if (name === 'id' && !has.id) throw errors.config(`${scheme} signedContent uses {id} but no idHeader is set`);
    if (m.index > last) parts.push({ kind: 'literal', bytes: Buffer.from(template.slice(last, m.index)) });
    parts.push({ kind: name });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ kind: 'literal', bytes: Buffer.from(template.slice(last)) });
  if (!parts.some((p) => p.kind === 'body')) throw errors.config(`${scheme} signedContent must contain {body}`);
  return parts;
}

/** Feeds the parts to a hash or signature verifier without copying the body. */
export function feed(target: { update(data: string | Uint8Array): unknown }, parts: Part[], values: { body: Uint8Array; timestamp?: string; id?: string }): void {
  for (const p of parts) {
    if (p.kind === 'literal') target.update(p.bytes);
    else if (p.kind === 'body') target.update(values.body);
    else target.update(values[p.kind]!);
  }
}
