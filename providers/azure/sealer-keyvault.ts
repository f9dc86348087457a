import type { TokenCredential } from '@azure/core-auth';
import type { CryptographyClient } from '@azure/keyvault-keys';
import {
  KEY_BYTES, contextAad, formatSealed, gcmOpen, gcmSeal, newDataKey, parseSealed, plaintextBytes, sealError,
  type SealErrorCode,
} from '../../shared/crypto/aead';
import { errors } from '../../shared/errors';
import { checkByRoundTrip, type Sealer } from '../../shared/ports/sealer';
import { type AzureTimeouts, coreClientOptions } from './client-options';
import { azureCredential, type AzureIdentityOptions } from './credential';
import { azureNetworkReason } from './unavailable';

/** The two CryptographyClient operations the sealer uses (tests inject a fake). */
export type KeyWrapClient = Pick<CryptographyClient, 'wrapKey' | 'unwrapKey'>;

/** Without `clientFor` or `credential`, `clientId` names a user-assigned managed identity (credential.ts). */
export interface KeyVaultSealerOptions extends AzureTimeouts, AzureIdentityOptions {
  /**
   * Versioned key identifier, `https://<vault>.vault.azure.net/keys/<name>/<version>` (config
   * `secrets.sealer.keyId`). Rotate by pointing it at a new version: old values keep opening.
   */
  keyId: string;
  /**
   * Keys values were sealed under before `keyId` (config `secrets.sealer.previousKeyIds`), as key
   * URLs with or without a version: after moving to another key or vault, list the old one so
   * the secrets sealed under it still open. Only ever used to open, never to seal.
   */
  previousKeyIds?: readonly string[];
  /** Builds the client for one versioned key URL; default: a CryptographyClient with `credential`, bounded by the timeouts. */
  clientFor?: (keyUrl: string) => KeyWrapClient;
  /** For the default client; default: one DefaultAzureCredential per process and client id (credential.ts). */
  credential?: TokenCredential;
}

const PROVIDER = 'azure-keyvault';
const ALGORITHM = 'RSA-OAEP-256';
const VERSION = /^[A-Za-z0-9]{1,64}$/;

/**
 * Parses a versioned Key Vault key URL. The version is required because wrapKey through a
 * versionless URL uses whatever version is current at the service, while the SDK reports the
 * version it fetched earlier (or none): after a rotation the sealed value would name the wrong
 * version and never unwrap again.
 */
function parseKeyId(keyId: string): { base: string; version: string } {
  const parsed = parseKeyUrl(keyId);
  if (!parsed?.version) {
    throw errors.config('The azure-keyvault sealer needs a versioned key URL: https://<vault>/keys/<name>/<version>', 'secrets.sealer.keyId');
  }
  return { base: parsed.base, version: parsed.version };
}

/** A previous key: only its vault and name count, the version a value was sealed under is in the value. */
function parsePreviousKeyId(keyId: string): string {
  const parsed = parseKeyUrl(keyId);
  if (!parsed) throw errors.config('secrets.sealer.previousKeyIds holds Key Vault key URLs: https://<vault>/keys/<name>[/<version>]', 'secrets.sealer.previousKeyIds');
  return parsed.base;
}

function parseKeyUrl(keyId: string): { base: string; version?: string } | undefined {
  const url = URL.canParse(keyId) ? new URL(keyId) : undefined;
  const [, keys, name, version, ...rest] = url?.pathname.split('/') ?? [];
  if (url?.protocol !== 'https:' || keys !== 'keys' || !name || rest.length || url.search) return undefined;
  if (version !== undefined && version !== '' && !VERSION.test(version)) return undefined;
  return { base: `${url.origin}/keys/${name}`, ...(version ? { version } : {}) };
}

/** Key Vault's answer for a key version it does not hold (KeyNotFound): the value is another key's. */
const notThisKey = (e: unknown) => (e as { statusCode?: unknown } | null)?.statusCode === 404;

function vaultError(code: SealErrorCode, operation: string, e: unknown): Error {
  const err = (e ?? {}) as { name?: string; statusCode?: number };
  const status = err.statusCode;
  // RestError without a status is a network failure, as is no answer within the per-try timeout
  // (an AbortError); with a status, only 408/429/5xx are transient. Anything else (credential
  // unavailable, key expired or disabled, bad request) needs a human.
  const retryable = azureNetworkReason(e) !== undefined
    || (err.name === 'RestError' && (status === undefined || status === 408 || status === 429 || status >= 500));
  const reason = code === 'unseal_failed' && status === 400 ? 'rejected' : 'kms';
  return sealError(code, reason, `Key Vault ${operation} failed (${status ?? err.name ?? 'error'})`, { retryable, cause: e });
}

/**
 * Sealer on Azure Key Vault by envelope encryption. Key Vault wrapKey has no associated data,
 * so each seal draws a random AES-256 data key, encrypts locally with AES-256-GCM (context as
 * AAD) and has Key Vault wrap the data key with RSA-OAEP-256; open unwraps it with the key
 * version recorded in the sealed value. The private key never leaves Key Vault (or its HSM).
 * https://learn.microsoft.com/rest/api/keyvault/keys/wrap-key/wrap-key
 *
 * Sealed: `v1.azure-keyvault.<key version>.<wrapped data key>.<iv>.<ciphertext>.<tag>`.
 */
export function keyVaultSealer(opts: KeyVaultSealerOptions): Sealer {
  const { base, version: current } = parseKeyId(opts.keyId);
  // The configured key first, then each previous one; a key listed twice is asked once.
  const bases = [...new Set([base, ...(opts.previousKeyIds ?? []).map(parsePreviousKeyId)])];
  const clients = new Map<string, Promise<KeyWrapClient>>();
  const clientFor = (version: string, keyBase = base): Promise<KeyWrapClient> => {
    const url = `${keyBase}/${version}`;
    let client = clients.get(url);
    if (!client) {
      client = opts.clientFor ? Promise.resolve(opts.clientFor(url)) : defaultClient(url, opts);
      client.catch(() => clients.delete(url)); // a failed import may succeed on the next call
      clients.set(url, client);
    }
    return client;
  };

  const sealer: Sealer = {
    async seal(plaintext, context) {
      const bytes = plaintextBytes(plaintext);
      const aad = contextAad(PROVIDER, context, 'seal_failed');
      const dataKey = newDataKey();
      try {
        let wrapped;
        try {
          wrapped = await (await clientFor(current)).wrapKey(ALGORITHM, dataKey);
        } catch (e) {
          throw vaultError('seal_failed', 'wrapKey', e);
        }
        if (!wrapped.result?.length || (wrapped.keyID && !wrapped.keyID.endsWith(`/${current}`))) {
          throw sealError('seal_failed', 'kms', 'Key Vault wrapKey answered for another key version');
        }
        return formatSealed(PROVIDER, [Buffer.from(current, 'utf8'), wrapped.result, ...gcmSeal(dataKey, bytes, aad)]);
      } finally {
        dataKey.fill(0);
      }
    },

    async open(sealed, context) {
      const [versionBytes, wrapped, ...gcm] = parseSealed(sealed, PROVIDER, 5);
      const version = versionBytes!.toString('utf8');
      if (!VERSION.test(version)) throw sealError('unseal_failed', 'malformed', 'Sealed value is malformed');
      const aad = contextAad(PROVIDER, context, 'unseal_failed');
      let dataKey: Uint8Array | undefined;
      // A version the configured key does not hold (404) was sealed under a previous key: tried
      // under each in turn, so moving to another key or vault does not lose what was sealed.
      for (const [i, keyBase] of bases.entries()) {
        try {
          ({ result: dataKey } = await (await clientFor(version, keyBase)).unwrapKey(ALGORITHM, wrapped!));
          break;
        } catch (e) {
          if (i === bases.length - 1 || !notThisKey(e)) throw vaultError('unseal_failed', 'unwrapKey', e);
        }
      }
      try {
        if (dataKey?.length !== KEY_BYTES) throw sealError('unseal_failed', 'rejected', 'Key Vault unwrapKey returned no usable data key');
        return gcmOpen(dataKey, gcm, aad).toString('utf8');
      } finally {
        dataKey?.fill(0);
      }
    },

    check: () => checkByRoundTrip(sealer),
  };
  return sealer;
}

async function defaultClient(url: string, opts: KeyVaultSealerOptions): Promise<KeyWrapClient> {
  const { CryptographyClient } = await import('@azure/keyvault-keys');
  return new CryptographyClient(url, opts.credential ?? await azureCredential(opts), coreClientOptions(opts));
}
