import { createHmac } from 'node:crypto';
import { sourceSecrets } from '../../config/secrets';
import type { VerifyConfig } from '../../config/schema';
import { errors } from '../../errors';
import {
  checkTimestamp, DEFAULT_TOLERANCE_SECONDS, decodeSignature, header, invalidSignature, missingHeader,
  missingSignature, prepareKeys, safeEqual,
} from '../timing-safe';
import type { SyncVerifier } from '../types';

/**
 * A configurable HMAC scheme for senders with no scheme of their own (Stripe-like, Slack-like,
 * in-house): one header with `<prefix><hex|base64 HMAC>`, optionally a timestamp header that is
 * checked against a replay window and can be signed along with the body via `signedContent`.
 */
export type HmacVerifyConfig = Extract<VerifyConfig, { scheme: 'hmac' }>;

type Part = { kind: 'literal'; bytes: Buffer } | { kind: 'body' | 'timestamp' | 'id' };
const PLACEHOLDER = /\{([^{}]*)\}/g;

/** `{timestamp}.{body}` -> [timestamp, '.', body], parsed once; literals become Buffers once. */
function parseTemplate(template: string, config: HmacVerifyConfig): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (name !== 'body' && name !== 'timestamp' && name !== 'id') {
      throw errors.config(`hmac signedContent: unknown placeholder {${name}}; use {body}, {timestamp} or {id}`);
    }
    if (name === 'timestamp' && !config.timestampHeader) throw errors.config('hmac signedContent uses {timestamp} but no timestampHeader is set');
    if (name === 'id' && !config.idHeader) throw errors.config('hmac signedContent uses {id} but no idHeader is set');
    if (m.index > last) parts.push({ kind: 'literal', bytes: Buffer.from(template.slice(last, m.index)) });
    parts.push({ kind: name });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ kind: 'literal', bytes: Buffer.from(template.slice(last)) });
  if (!parts.some((p) => p.kind === 'body')) throw errors.config('hmac signedContent must contain {body}');
  return parts;
}

export function hmacVerifier(config: HmacVerifyConfig): SyncVerifier {
  const keys = prepareKeys(sourceSecrets(config).map((s) => Buffer.from(s, 'utf8')), 'hmac');
  const parts = parseTemplate(config.signedContent, config);
  const { algorithm, encoding, prefix, timestampHeader, idHeader } = config;
  const needsId = parts.some((p) => p.kind === 'id');
  if (config.toleranceSeconds !== undefined && !timestampHeader) throw errors.config('hmac toleranceSeconds needs a timestampHeader');
  const tolerance = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const digestBytes = algorithm === 'sha512' ? 64 : 32;

  return ({ headers, body, now }) => {
    const value = header(headers, config.header);
    if (value === undefined) throw missingSignature(config.header);
    const timestamp = timestampHeader ? header(headers, timestampHeader) : undefined;
    if (timestampHeader) checkTimestamp(timestamp, timestampHeader, now, tolerance);
    const id = idHeader ? header(headers, idHeader) : undefined;
    if (needsId && id === undefined) throw missingHeader(idHeader!);
    const given = value.startsWith(prefix) ? decodeSignature(value.slice(prefix.length), encoding) : undefined;
    if (given === undefined || given.byteLength !== digestBytes) throw invalidSignature();
    for (const key of keys) {
      // Each part goes to update() as it is: the body bytes are never decoded or copied.
      const mac = createHmac(algorithm, key);
      for (const p of parts) {
        if (p.kind === 'literal') mac.update(p.bytes);
        else if (p.kind === 'body') mac.update(body);
        else mac.update((p.kind === 'timestamp' ? timestamp : id)!);
      }
      if (safeEqual(mac.digest(), given)) {
        // Unless the id is part of the signed content, a replay could change it: the signature is
        // a replay key too.
        const signature = needsId ? undefined : given.toString(encoding);
        return { deliveryId: id, signature, toleranceSeconds: timestampHeader ? tolerance : undefined };
      }
    }
    throw invalidSignature();
  };
}
