import type { KMSClient } from '@aws-sdk/client-kms';
import {
  KEY_BYTES, checkContext, contextAad, formatSealed, gcmOpen, gcmSeal, parseSealed, plaintextBytes, sealError,
  type SealContext, type SealErrorCode,
} from '../../shared/crypto/aead';
import { errors } from '../../shared/errors';
import { checkByRoundTrip, type Sealer } from '../../shared/ports/sealer';
import { once } from '../common/once';
import { type AwsTimeouts, awsClientConfig } from './client-options';

export interface KmsSealerOptions extends AwsTimeouts {
  /** Key ARN, key id, alias name or alias ARN of a symmetric KMS key (config `secrets.sealer.keyId`). */
  keyId: string;
  /**
   * Keys values were sealed under before `keyId` (config `secrets.sealer.previousKeyIds`): tried in
   * order when KMS says a value is another key's. Only ever used to open.
   */
  previousKeyIds?: readonly string[];
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  client?: KMSClient;
  region?: string;
  endpoint?: string;
}

const PROVIDER = 'aws-kms';
/** Client faults that a retry may cure; server faults and network errors are retried too. */
const TRANSIENT = new Set(['ThrottlingException', 'LimitExceededException']);
/** KMS refused the ciphertext: tampered, another key, or another encryption context. */
const REJECTED = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

function kmsError(code: SealErrorCode, operation: string, e: unknown): Error {
  const err = (e ?? {}) as { name?: string; $fault?: string };
  const name = typeof err.name === 'string' ? err.name : 'Error';
  if (REJECTED.has(name)) return sealError(code, 'rejected', `KMS ${operation} rejected the sealed value (${name})`, { cause: e });
  const retryable = err.$fault !== 'client' || TRANSIENT.has(name);
  return sealError(code, 'kms', `KMS ${operation} failed (${name})`, { retryable, cause: e });
}

// An empty context is sent as no context: the same thing to KMS, and no empty map on the wire.
function encryptionContext(context: SealContext, code: SealErrorCode): Record<string, string> | undefined {
  const entries = checkContext(context, code);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/**
 * Sealer on AWS KMS by envelope encryption: each seal asks KMS for a fresh AES-256 data key
 * (GenerateDataKey), encrypts locally with AES-256-GCM and stores the KMS-encrypted data key
 * beside the ciphertext; open asks KMS to Decrypt the data key. The context is bound twice: as
 * the KMS EncryptionContext (so IAM conditions and CloudTrail see it, and Decrypt fails on a
 * mismatch) and as the GCM AAD. One KMS call per seal and per open; no data-key cache.
 * Decrypt names the configured key, as AWS recommends, so a value sealed under any other key is
 * refused rather than decrypted: https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
 * After an alias is re-pointed (or the key replaced), list the old key under `previousKeyIds`:
 * values sealed under it still open, and new ones are sealed under `keyId`. (KMS's own automatic
 * rotation keeps the key id and needs nothing.)
 *
 * Sealed: `v1.aws-kms.<encrypted data key>.<iv>.<ciphertext>.<tag>`.
 */
export function kmsSealer(opts: KmsSealerOptions): Sealer {
  if (!opts.keyId) throw errors.config('The aws-kms sealer needs a KMS key id', 'secrets.sealer.keyId');
  const load = once(() => import('@aws-sdk/client-kms').then((sdk) => ({
    sdk,
    client: opts.client ?? new sdk.KMSClient(awsClientConfig(opts)),
  })));

  const sealer: Sealer = {
    async seal(plaintext, context) {
      const bytes = plaintextBytes(plaintext);
      const aad = contextAad(PROVIDER, context, 'seal_failed');
      let out;
      try {
        const { sdk, client } = await load();
        out = await client.send(new sdk.GenerateDataKeyCommand({
          KeyId: opts.keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext(context, 'seal_failed'),
        }));
      } catch (e) {
        throw kmsError('seal_failed', 'GenerateDataKey', e);
      }
      const { Plaintext: dataKey, CiphertextBlob: wrapped } = out;
      try {
        if (dataKey?.length !== KEY_BYTES || !wrapped?.length) {
          throw sealError('seal_failed', 'kms', 'KMS GenerateDataKey returned no usable data key', { retryable: true });
        }
        return formatSealed(PROVIDER, [wrapped, ...gcmSeal(dataKey, bytes, aad)]);
      } finally {
        dataKey?.fill(0);
      }
    },

    async open(sealed, context) {
      const [wrapped, ...gcm] = parseSealed(sealed, PROVIDER, 4);
      const aad = contextAad(PROVIDER, context, 'unseal_failed');
      let dataKey: Uint8Array | undefined;
      const { sdk, client } = await load().catch((e: unknown) => Promise.reject(kmsError('unseal_failed', 'Decrypt', e)));
      // The configured key first; a value KMS says is another key's (IncorrectKeyException) is
      // tried under each previous key, so re-pointing an alias does not lose what was sealed.
      for (const [i, keyId] of [opts.keyId, ...(opts.previousKeyIds ?? [])].entries()) {
        try {
          ({ Plaintext: dataKey } = await client.send(new sdk.DecryptCommand({
            CiphertextBlob: wrapped, KeyId: keyId, EncryptionContext: encryptionContext(context, 'unseal_failed'),
          })));
          break;
        } catch (e) {
          const last = i === (opts.previousKeyIds?.length ?? 0);
          if (last || (e as { name?: unknown } | null)?.name !== 'IncorrectKeyException') throw kmsError('unseal_failed', 'Decrypt', e);
        }
      }
      try {
        if (dataKey?.length !== KEY_BYTES) throw sealError('unseal_failed', 'kms', 'KMS Decrypt returned no usable data key', { retryable: true });
        return gcmOpen(dataKey, gcm, aad).toString('utf8');
      } finally {
        dataKey?.fill(0);
      }
    },

    check: () => checkByRoundTrip(sealer),
  };
  return sealer;
}
