import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';

/**
 * Tokens already verified, so a sender that reuses one token for many deliveries (the common
 * case) pays for the signature check once. Only the time claims are re-checked on a hit, with
 * the injected clock and the same leeway as a full verification; anything else falls through to
 * it (which then names the reason). An entry lives at most REVERIFY_MS, so a key withdrawn from
 * a JWKS stops being honoured within minutes even for a long-lived token. Keys are SHA-256
 * digests: the cache never holds a token, and a lookup reveals nothing of one.
 */
const MAX_ENTRIES = 1024;
const REVERIFY_MS = 5 * 60 * 1000;

interface Entry {
  until: number;
  exp: number;
  nbf?: number;
  iat?: number;
}

export function verifiedTokens(opts: { toleranceSeconds: number; maxTokenAgeSeconds?: number }) {
  const entries = new Map<string, Entry>();
  const leeway = opts.toleranceSeconds * 1000;
  const digest = (token: string) => createHash('sha256').update(token).digest('base64url');
  return {
    valid(token: string, now: number): boolean {
      const key = digest(token);
      const e = entries.get(key);
      if (!e) return false;
      // The edges of checkClaims (jose's): expired from exp + leeway on, in whole seconds, so at
      // exactly that millisecond a remembered token is refused like one verified afresh.
      const fresh = now < e.until && now < e.exp + leeway && (e.nbf === undefined || now >= e.nbf - leeway);
      const young = opts.maxTokenAgeSeconds === undefined || (e.iat !== undefined && now - e.iat <= opts.maxTokenAgeSeconds * 1000 + leeway);
      if (fresh && young) return true;
      entries.delete(key);
      return false;
    },
    remember(token: string, payload: JWTPayload, now: number): void {
      if (typeof payload.exp !== 'number') return;
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      const entry: Entry = { until: now + REVERIFY_MS, exp: payload.exp * 1000 };
      if (typeof payload.nbf === 'number') entry.nbf = payload.nbf * 1000;
      if (typeof payload.iat === 'number') entry.iat = payload.iat * 1000;
      entries.set(digest(token), entry);
    },
  };
}
