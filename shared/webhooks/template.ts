import { errors } from '../errors';
import { checkTimestamp, DEFAULT_TOLERANCE_SECONDS, decodeSignature, header, missingId, missingSignature } from './timing-safe';
import type { Verified } from './types';

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

export interface TemplatedConfig {
  header: string;
  prefix: string;
  encoding: 'hex' | 'base64';
  signedContent: string;
  timestampHeader?: string;
  toleranceSeconds?: number;
  idHeader?: string;
}

/**
 * What the `hmac` and `rsa` schemes share: the parsed template, and per request the signature
 * (decoded, after its prefix), the checked timestamp and the id, in that order of checks.
 */
export function templatedSignature(config: TemplatedConfig, scheme: string) {
  const { header: name, prefix, encoding, timestampHeader, idHeader } = config;
  const parts = parseTemplate(config.signedContent, scheme, { timestamp: Boolean(timestampHeader), id: Boolean(idHeader) });
  if (config.toleranceSeconds !== undefined && !timestampHeader) throw errors.config(`${scheme} toleranceSeconds needs a timestampHeader`);
  // An unsigned timestamp is no replay window: whoever replays a captured request writes a fresh
  // one, and the request passes again once its replay record has expired.
  if (timestampHeader && !parts.some((p) => p.kind === 'timestamp')) {
    throw errors.config(`${scheme} timestampHeader is set but signedContent does not contain {timestamp}: the signature must cover the timestamp`);
  }
  const tolerance = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const needsId = parts.some((p) => p.kind === 'id');
  const read = ({ headers, now }: { headers: Headers; now: number }) => {
    const value = header(headers, name);
    if (value === undefined) throw missingSignature(name);
    const timestamp = timestampHeader ? header(headers, timestampHeader) : undefined;
    if (timestampHeader) checkTimestamp(timestamp, timestampHeader, now, tolerance);
    const id = idHeader ? header(headers, idHeader) : undefined;
    if (needsId && id === undefined) throw missingId(idHeader!);
    const given = value.startsWith(prefix) ? decodeSignature(value.slice(prefix.length), encoding) : undefined;
    return { timestamp, id, given };
  };
  // Unless the id is part of the signed content, a replay could change it: the signature is a
  // replay key too.
  const verified = (id: string | undefined, given: Buffer): Verified => ({
    deliveryId: id,
    signature: needsId ? undefined : given.toString(encoding),
    toleranceSeconds: timestampHeader ? tolerance : undefined,
  });
  return { parts, read, verified };
}
