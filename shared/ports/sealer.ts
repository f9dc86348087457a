import { randomBytes } from 'node:crypto';
import {
  contextAad, formatSealed, gcmOpen, gcmSeal, parseSealed, plaintextBytes, sealError,
} from '../crypto/aead';

export { sealedProvider, type SealContext } from '../crypto/aead';

/**
 * Encryption at rest for small secrets (webhook subscription secrets). Implementations: the
 * cloud's KMS / Key Vault / Cloud KMS key, a key file in the local data directory, memory (tests).
 *
 * - `context` is bound as associated data: open() with a different context fails. Use it to tie
 *   a secret to its owner (e.g. `{ subscription: id }`) so a sealed value copied to another row
 *   does not open. It is NOT secret: AWS logs the KMS encryption context in CloudTrail.
 * - The sealed string is `v1.<provider>.<base64url parts>` (shared/crypto/aead.ts): the provider
 *   is readable with `sealedProvider()`, and a value from another provider fails with a typed
 *   error instead of garbage.
 * - Failures are `AppError`s `seal_failed` / `unseal_failed` (status 500, never exposed) with
 *   `extra.reason`; `retryable` is true only for transient KMS failures. Messages never carry
 *   plaintext, key material or context values.
 */
export interface Sealer {
  seal(plaintext: string, context: Record<string, string>): Promise<string>;
  open(sealed: string, context: Record<string, string>): Promise<string>;
  /** Readiness: the key is reachable and usable (one seal + open round trip). */
  check(): Promise<void>;
}

/**
 * Readiness by a real round trip: it proves both directions of the key permissions, which a
 * describe/get call would not. With a cloud KMS that is two requests, so call it from readiness
 * probes, not per request.
 */
export async function checkByRoundTrip(sealer: Pick<Sealer, 'seal' | 'open'>): Promise<void> {
  const context = { purpose: 'secorch-sealer-check' };
  const probe = randomBytes(16).toString('base64url');
  if ((await sealer.open(await sealer.seal(probe, context), context)) !== probe) {
    throw sealError('unseal_failed', 'integrity', 'Sealer round trip returned a different value');
  }
}

/**
 * A sealer over a local 256-bit key, used directly with AES-256-GCM (no envelope: there is no
 * remote key to save calls on). `loadKey(create)` may create the key only when `create` is true
 * (seal, check); open never creates one, so a lost key file reads as an error, not a new key.
 */
export function keySealer(provider: string, loadKey: (create: boolean) => Promise<Buffer>): Sealer {
  const sealer: Sealer = {
    async seal(plaintext, context) {
      const bytes = plaintextBytes(plaintext);
      const aad = contextAad(provider, context, 'seal_failed');
      return formatSealed(provider, gcmSeal(await loadKey(true), bytes, aad));
    },
    async open(sealed, context) {
      const parts = parseSealed(sealed, provider, 3);
      const aad = contextAad(provider, context, 'unseal_failed');
      return gcmOpen(await loadKey(false), parts, aad).toString('utf8');
    },
    check: () => checkByRoundTrip(sealer),
  };
  return sealer;
}

/** For tests: AES-256-GCM under a random key that lives and dies with this object. */
export function memorySealer(): Sealer {
  const key = randomBytes(32);
  return keySealer('memory', async () => key);
}
