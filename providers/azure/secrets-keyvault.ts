import type { TokenCredential } from '@azure/core-auth';
import type { SecretClient } from '@azure/keyvault-secrets';
import type { Secrets } from '../../shared/ports';
import { errors } from '../../shared/errors';
import { checkCommonName, invalidSecretName, secretUnavailable } from '../../shared/secrets';
import { once } from '../common/once';
import { type AzureTimeouts, coreClientOptions } from './client-options';
import { azureCredential, type AzureIdentityOptions } from './credential';

/** The one SecretClient operation used (tests pass a SecretClient over a fake transport, or a fake). */
export type SecretReader = Pick<SecretClient, 'getSecret'>;

/** Without `client` or `credential`, `clientId` names a user-assigned managed identity (credential.ts). */
export interface KeyVaultSecretsOptions extends AzureTimeouts, AzureIdentityOptions {
  /** https://<vault>.vault.azure.net (config `secrets.vaultUrl`). */
  vaultUrl: string;
  /** Put before every name (config `secrets.prefix`), e.g. `secorch-prod-`. */
  prefix?: string;
  /** A ready client; default: a SecretClient with `credential`, bounded by the timeouts (client-options.ts). */
  client?: SecretReader;
  /** Default: DefaultAzureCredential (managed identity in Azure, credential.ts). */
  credential?: TokenCredential;
}

const PROVIDER = 'azure-keyvault';
/** Object names: https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#object-identifiers */
const NAME = /^[0-9A-Za-z-]{1,127}$/;

/**
 * Key Vault names allow only letters, digits and dashes. Other names are refused, not mapped:
 * mapping `_` and `.` to `-` would let `db_password` and `db-password` silently read one
 * secret. The error suggests the dashed name to create instead.
 */
export function checkKeyVaultName(name: string): void {
  checkCommonName(PROVIDER, name);
  if (!NAME.test(name)) {
    const hint = /^[0-9A-Za-z_.-]+$/.test(name) ? ` (store it as "${name.replace(/[_.]/g, '-')}")` : '';
    throw invalidSecretName(PROVIDER, name, `Key Vault names are 1-127 letters, digits and dashes${hint}`);
  }
}

/** RestError without a status is a network failure; 404 SecretNotFound is the only "absent". */
function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/**
 * Secrets from Azure Key Vault: getSecret of the latest version. 404 is "no such secret"
 * (undefined); 403 (no Get permission, or a disabled secret), 429 throttling, 5xx, credential
 * and network failures, and no answer within the per-try timeout are a retryable
 * secret_unavailable naming the secret.
 * https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret/get-secret
 */
export function keyVaultSecrets(opts: KeyVaultSecretsOptions): Secrets {
  if (!opts.vaultUrl?.startsWith('https://')) {
    throw errors.config('The azure-keyvault secrets provider needs secrets.vaultUrl (https://<vault>.vault.azure.net)', 'secrets.vaultUrl');
  }
  const load = once(async (): Promise<SecretReader> => {
    if (opts.client) return opts.client;
    const { SecretClient } = await import('@azure/keyvault-secrets');
    return new SecretClient(opts.vaultUrl, opts.credential ?? await azureCredential(opts), coreClientOptions(opts));
  });
  return {
    async get(name) {
      const id = `${opts.prefix ?? ''}${name}`;
      checkKeyVaultName(id);
      try {
        return (await (await load()).getSecret(id)).value;
      } catch (e) {
        const status = statusOf(e);
        if (status === 404) return undefined;
        const reason = status ? `HTTP ${status}` : ((e as { name?: string } | null)?.name ?? 'Error');
        throw secretUnavailable(PROVIDER, id, reason, e);
      }
    },
  };
}
