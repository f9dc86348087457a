import type { JWTPayload } from 'jose';
import { credentialInvalid } from './errors';

/**
 * The JWT Claims Set checks (RFC 7519 section 4.1, RFC 8725 section 3.8/3.9), run after the
 * signature is known good. They follow jose's validateClaimsSet rule for rule (same presence
 * checks, same inclusive/exclusive edges, same leeway), so the differential test in
 * jwt-jws.test.ts can hold both to the same verdicts.
 */
export interface ClaimRules {
  issuer?: string | readonly string[];
  audience?: string | readonly string[];
  clockToleranceSeconds: number;
  maxTokenAgeSeconds?: number;
}

const INVALID = 'Bearer error="invalid_token"';
const utf8 = new TextDecoder('utf-8', { fatal: true });
const list = (v: string | readonly string[]) => (typeof v === 'string' ? [v] : v);

export const malformedToken = () => credentialInvalid('The token is malformed', INVALID);
const rejected = (claim: string, reason: string) => credentialInvalid(`The token's "${claim}" claim is not accepted (${reason})`, INVALID);
const expired = () => credentialInvalid('The token has expired', INVALID);

function numericDate(claims: Record<string, unknown>, claim: string, required: boolean): number | undefined {
  const value = claims[claim];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number') throw rejected(claim, 'invalid');
  return value;
}

function audienceMatches(aud: unknown, want: readonly string[]): boolean {
  if (typeof aud === 'string') return want.includes(aud);
  return Array.isArray(aud) && want.some((w) => aud.includes(w));
}

/** The verified payload's claims, or a credential_invalid error naming the failed claim. */
export function checkClaims(payloadBytes: Buffer, rules: ClaimRules, nowMs: number): JWTPayload {
  let claims: unknown;
  try {
    claims = JSON.parse(utf8.decode(payloadBytes));
  } catch {
    throw malformedToken();
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw malformedToken();
  const c = claims as Record<string, unknown>;
  const required = ['exp'];
  if (rules.maxTokenAgeSeconds !== undefined) required.push('iat');
  if (rules.audience !== undefined) required.push('aud');
  if (rules.issuer !== undefined) required.push('iss');
  for (const claim of required.reverse()) if (!Object.hasOwn(c, claim)) throw rejected(claim, 'missing');
  if (rules.issuer !== undefined && !list(rules.issuer).includes(c.iss as string)) throw rejected('iss', 'check_failed');
  if (rules.audience !== undefined && !audienceMatches(c.aud, list(rules.audience))) throw rejected('aud', 'check_failed');

  const now = Math.floor(nowMs / 1000);
  const tolerance = rules.clockToleranceSeconds;
  const iat = numericDate(c, 'iat', rules.maxTokenAgeSeconds !== undefined);
  const nbf = numericDate(c, 'nbf', false);
  if (nbf !== undefined && nbf > now + tolerance) throw rejected('nbf', 'check_failed');
  const exp = numericDate(c, 'exp', true)!;
  if (exp <= now - tolerance) throw expired();
  if (rules.maxTokenAgeSeconds !== undefined) {
    const age = now - iat!;
    if (age - tolerance > rules.maxTokenAgeSeconds) throw expired();
    if (age < -tolerance) throw rejected('iat', 'check_failed');
  }
  return c as JWTPayload;
}
