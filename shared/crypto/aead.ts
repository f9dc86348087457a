import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors';

/**
 * AES-256-GCM and the sealed-string format shared by every Sealer (shared/ports/sealer.ts).
 *
 * Sealed format: `v1.<provider>.<part>.<part>...`, each part base64url without padding
 * (RFC 4648 section 5). The provider comes first so a value is routed to (or rejected by) the
 * right implementation before any key is touched. GCM parts are always `<iv>.<ciphertext>.<tag>`:
 * 96-bit random IV and 128-bit tag (NIST SP 800-38D 5.2.1.1, 8.2.2).
 */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const B64URL = /^[A-Za-z0-9_-]*$/;
const PROVIDER = /^[a-z0-9-]+$/;

export type SealContext = Readonly<Record<string, string>>;
export type SealErrorCode = 'seal_failed' | 'unseal_failed';
/** Why a seal/unseal failed; travels in `extra.reason` (never plaintext, keys or context values). */
export type SealReason = 'malformed' | 'unsupported_version' | 'wrong_provider' | 'invalid_input' | 'rejected' | 'key' | 'kms' | 'integrity';

export function sealError(
  code: SealErrorCode,
  reason: SealReason,
  message: string,
  opts: { retryable?: boolean; cause?: unknown } = {},
): AppError {
  return new AppError(code, message, { status: 500, retryable: opts.retryable ?? false, expose: false, extra: { reason }, cause: opts.cause });
}

/** The provider named by a sealed string, without checking anything else. */
export function sealedProvider(sealed: string): string | undefined {
  return /^v\d+\.([a-z0-9-]+)\./.exec(sealed)?.[1];
}

export function formatSealed(provider: string, parts: readonly Uint8Array[]): string {
  if (!PROVIDER.test(provider)) throw new TypeError('provider must match [a-z0-9-]+');
  return [VERSION, provider, ...parts.map((p) => Buffer.from(p).toString('base64url'))].join('.');
}

/** Splits and decodes a sealed string made by `provider` with exactly `count` parts. */
export function parseSealed(sealed: string, provider: string, count: number): Buffer[] {
  const malformed = () => sealError('unseal_failed', 'malformed', 'Sealed value is malformed');
  if (typeof sealed !== 'string') throw malformed();
  const [version, got, ...parts] = sealed.split('.');
  if (!version || !/^v\d+$/.test(version) || got === undefined || !PROVIDER.test(got)) throw malformed();
  if (version !== VERSION) throw sealError('unseal_failed', 'unsupported_version', `Sealed value has unsupported format version ${version}`);
  if (got !== provider) {
    throw sealError('unseal_failed', 'wrong_provider', `Sealed value was made by the "${got}" sealer, not "${provider}"`);
  }
  if (parts.length !== count || parts.some((p) => !B64URL.test(p))) throw malformed();
  const bytes = parts.map((p) => Buffer.from(p, 'base64url'));
  // Buffer's decoder is lenient (ignores unused trailing bits): insist on the canonical encoding
  // so one sealed value has exactly one spelling.
  if (bytes.some((b, i) => b.toString('base64url') !== parts[i])) throw malformed();
  return bytes;
}

/**
 * The context as GCM associated data: one JSON array, keys sorted, prefixed with the format
 * version and provider. JSON of string arrays is injective, so two different contexts can never
 * produce the same AAD ({a:'b.c'} vs {'a.b':'c'}), and key order does not matter.
 */
export function contextAad(provider: string, context: SealContext, code: SealErrorCode): Buffer {
  const entries = checkContext(context, code);
  return Buffer.from(JSON.stringify(['secorch-sealer', VERSION, provider, entries]), 'utf8');
}

/** Validates the context (a flat map of strings) and returns its sorted entries. */
export function checkContext(context: SealContext, code: SealErrorCode): [string, string][] {
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    throw sealError(code, 'invalid_input', 'Seal context must be an object of strings');
  }
  const keys = Object.keys(context).sort();
  if (keys.some((k) => typeof context[k] !== 'string')) {
    throw sealError(code, 'invalid_input', 'Seal context values must be strings');
  }
  return keys.map((k) => [k, context[k] as string]);
}

export function plaintextBytes(plaintext: string): Buffer {
  if (typeof plaintext !== 'string') throw sealError('seal_failed', 'invalid_input', 'Plaintext must be a string');
  return Buffer.from(plaintext, 'utf8');
}

/** Encrypts with a fresh random IV; returns [iv, ciphertext, tag]. */
export function gcmSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer[] {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [iv, ciphertext, cipher.getAuthTag()];
}

/**
 * Decrypts [iv, ciphertext, tag]. Any mismatch (tampered bytes, wrong key, wrong context) is one
 * non-retryable `unseal_failed`: GCM cannot tell them apart, and neither should the caller.
 * authTagLength is pinned so a truncated tag is refused rather than checked on fewer bits.
 */
export function gcmOpen(key: Uint8Array, parts: readonly Buffer[], aad: Uint8Array): Buffer {
  const [iv, ciphertext, tag] = parts;
  if (parts.length !== 3 || iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !ciphertext) {
    throw sealError('unseal_failed', 'malformed', 'Sealed value is malformed');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (e) {
    throw sealError('unseal_failed', 'rejected', 'Sealed value failed authentication (tampered, wrong key or wrong context)', { cause: e });
  }
}

/** A fresh data key for envelope encryption. Callers wipe it (`fill(0)`) when done: best effort. */
export const newDataKey = (): Buffer => randomBytes(KEY_BYTES);
