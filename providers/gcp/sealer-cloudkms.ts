import type { protos } from '@google-cloud/kms';
import {
  contextAad, formatSealed, parseSealed, plaintextBytes, sealError, type SealErrorCode,
} from '../../shared/crypto/aead';
import { errors } from '../../shared/errors';
import { checkByRoundTrip, type Sealer } from '../../shared/ports/sealer';
import { once } from '../common/once';
import { type GaxCallOptions, gaxCallOptions, type GcpTimeouts } from './client-options';

type Answer<T> = Promise<[T, ...unknown[]]>;

/** The two KeyManagementServiceClient methods the sealer uses (tests inject a fake). */
export interface CloudKmsClient {
  encrypt(request: protos.google.cloud.kms.v1.IEncryptRequest, options?: GaxCallOptions): Answer<protos.google.cloud.kms.v1.IEncryptResponse>;
  decrypt(request: protos.google.cloud.kms.v1.IDecryptRequest, options?: GaxCallOptions): Answer<protos.google.cloud.kms.v1.IDecryptResponse>;
}

export interface CloudKmsSealerOptions extends GcpTimeouts {
  /** `projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>` (config `secrets.sealer.keyName`). */
  keyName: string;
  /**
   * CryptoKeys values were sealed under before `keyName` (config `secrets.sealer.previousKeyNames`):
   * after moving to another key, list the old one so the secrets sealed under it still open. Only
   * ever used to open, never to seal.
   */
  previousKeyNames?: readonly string[];
  /** A ready client (tests, or a shared one); by default one is created on first use. */
  client?: CloudKmsClient;
}

const PROVIDER = 'gcp-kms';
const KEY_NAME = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;
/** gRPC codes a retry may cure: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE. */
const TRANSIENT = new Set([4, 8, 10, 13, 14]);
const INVALID_ARGUMENT = 3;

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum Cloud KMS verifies. */
const TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c;
});
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Int64Value arrives as number, string or Long depending on the transport's long conversion.
const sameCrc = (bytes: Uint8Array, got: { value?: unknown } | null | undefined) =>
  got?.value != null && String(got.value) === String(crc32c(bytes));
const toBytes = (v: Uint8Array | string | null | undefined) =>
  typeof v === 'string' ? Buffer.from(v, 'base64') : v ? Buffer.from(v) : undefined;

function kmsError(code: SealErrorCode, operation: string, e: unknown): Error {
  const status = (e as { code?: unknown } | null)?.code;
  const grpc = typeof status === 'number' ? status : undefined;
  if (code === 'unseal_failed' && grpc === INVALID_ARGUMENT) {
    return sealError(code, 'rejected', `Cloud KMS ${operation} rejected the sealed value (code ${grpc})`, { cause: e });
  }
  // No gRPC code: a network error or a failed import, worth a retry.
  const retryable = grpc === undefined || TRANSIENT.has(grpc);
  return sealError(code, 'kms', `Cloud KMS ${operation} failed (code ${grpc ?? 'none'})`, { retryable, cause: e });
}

/**
 * Sealer on Cloud KMS, direct (no envelope): subscription secrets are far below the 64 KiB
 * Encrypt limit, and Cloud KMS takes associated data natively. The context goes in as
 * additionalAuthenticatedData; Decrypt names the CryptoKey and the service picks the version
 * from the ciphertext, so key rotation needs nothing here. Requests and answers carry CRC32C
 * checksums both ways, as Google recommends; a mismatch is a retryable failure.
 * https://cloud.google.com/kms/docs/data-integrity-guidelines
 *
 * Sealed: `v1.gcp-kms.<Cloud KMS ciphertext>`.
 */
export function cloudKmsSealer(opts: CloudKmsSealerOptions): Sealer {
  if (!KEY_NAME.test(opts.keyName ?? '')) {
    throw errors.config('The gcp-kms sealer needs a CryptoKey name: projects/*/locations/*/keyRings/*/cryptoKeys/*', 'secrets.sealer.keyName');
  }
  if (!(opts.previousKeyNames ?? []).every((k) => KEY_NAME.test(k))) {
    throw errors.config('secrets.sealer.previousKeyNames holds CryptoKey names: projects/*/locations/*/keyRings/*/cryptoKeys/*', 'secrets.sealer.previousKeyNames');
  }
  // The configured key first, then each previous one; a key listed twice is asked once.
  const keyNames = [...new Set([opts.keyName, ...(opts.previousKeyNames ?? [])])];
  // @google-cloud/kms pulls in gRPC: loaded on first use, retried on failure.
  const load = once(async (): Promise<CloudKmsClient> =>
    opts.client ?? new (await import('@google-cloud/kms')).KeyManagementServiceClient());

  const sealer: Sealer = {
    async seal(plaintext, context) {
      const bytes = plaintextBytes(plaintext);
      const aad = contextAad(PROVIDER, context, 'seal_failed');
      let res;
      try {
        [res] = await (await load()).encrypt({
          name: opts.keyName, plaintext: bytes, additionalAuthenticatedData: aad,
          plaintextCrc32c: { value: crc32c(bytes) }, additionalAuthenticatedDataCrc32c: { value: crc32c(aad) },
        }, gaxCallOptions(opts));
      } catch (e) {
        throw kmsError('seal_failed', 'Encrypt', e);
      }
      const ciphertext = toBytes(res.ciphertext);
      if (!ciphertext?.length || !res.verifiedPlaintextCrc32c || !res.verifiedAdditionalAuthenticatedDataCrc32c || !sameCrc(ciphertext, res.ciphertextCrc32c)) {
        throw sealError('seal_failed', 'integrity', 'Cloud KMS Encrypt request or response was corrupted in transit', { retryable: true });
      }
      return formatSealed(PROVIDER, [ciphertext]);
    },

    async open(sealed, context) {
      const [ciphertext] = parseSealed(sealed, PROVIDER, 1);
      const aad = contextAad(PROVIDER, context, 'unseal_failed');
      // Cloud KMS refuses a ciphertext of another CryptoKey with INVALID_ARGUMENT: tried under
      // each previous key in turn, so moving to another key does not lose what was sealed.
      const decryptUnder = async (i: number): Promise<protos.google.cloud.kms.v1.IDecryptResponse> => {
        try {
          const [res] = await (await load()).decrypt({
            name: keyNames[i], ciphertext, additionalAuthenticatedData: aad,
            ciphertextCrc32c: { value: crc32c(ciphertext!) }, additionalAuthenticatedDataCrc32c: { value: crc32c(aad) },
          }, gaxCallOptions(opts));
          return res;
        } catch (e) {
          if (i + 1 < keyNames.length && (e as { code?: unknown } | null)?.code === INVALID_ARGUMENT) return decryptUnder(i + 1);
          throw kmsError('unseal_failed', 'Decrypt', e);
        }
      };
      const res = await decryptUnder(0);
      const plain = toBytes(res.plaintext) ?? Buffer.alloc(0);
      if (!sameCrc(plain, res.plaintextCrc32c)) {
        throw sealError('unseal_failed', 'integrity', 'Cloud KMS Decrypt response was corrupted in transit', { retryable: true });
      }
      return plain.toString('utf8');
    },

    check: () => checkByRoundTrip(sealer),
  };
  return sealer;
}
