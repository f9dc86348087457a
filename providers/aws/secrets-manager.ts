import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Secrets } from '../../shared/ports';
import { checkCommonName, invalidSecretName, secretUnavailable, utf8Secret } from '../../shared/secrets';
import { once } from '../common/once';
import { type AwsTimeouts, awsClientConfig } from './client-options';

export interface SecretsManagerOptions extends AwsTimeouts {
  /** Put before every name (config `secrets.prefix`), e.g. `secorch/prod/`. */
  prefix?: string;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  client?: Pick<SecretsManagerClient, 'send'>;
  region?: string;
  endpoint?: string;
}

const PROVIDER = 'aws-secrets-manager';
/** Secret names and ARNs: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html */
const NAME = /^[A-Za-z0-9/_+=.@:-]{1,2048}$/;

/**
 * What an AWS SDK failure says, for messages: the exception name and HTTP status only. The
 * service message is left out (it can echo ARNs and request details we do not need to log).
 */
export function awsReason(e: unknown): string {
  const err = (e ?? {}) as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof err.name === 'string' ? err.name : 'Error';
  const status = err.$metadata?.httpStatusCode;
  return status ? `${name}, HTTP ${status}` : name;
}

/**
 * Secrets from AWS Secrets Manager: GetSecretValue of the AWSCURRENT version, SecretString as
 * is, SecretBinary decoded as UTF-8. ResourceNotFoundException is "no such secret" (undefined);
 * any other failure (AccessDenied, throttling, KMS DecryptionFailure, network) is a retryable
 * secret_unavailable naming the secret.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */
export function secretsManagerSecrets(opts: SecretsManagerOptions = {}): Secrets {
  const load = once(() => import('@aws-sdk/client-secrets-manager').then((sdk) => ({
    sdk,
    client: opts.client ?? new sdk.SecretsManagerClient(awsClientConfig(opts)),
  })));
  return {
    async get(name) {
      const id = `${opts.prefix ?? ''}${name}`;
      checkCommonName(PROVIDER, id);
      if (!NAME.test(id)) throw invalidSecretName(PROVIDER, id, 'letters, digits and /_+=.@- only (or an ARN)');
      let out;
      try {
        const { sdk, client } = await load();
        out = await client.send(new sdk.GetSecretValueCommand({ SecretId: id }));
      } catch (e) {
        if ((e as { name?: unknown } | null)?.name === 'ResourceNotFoundException') return undefined;
        throw secretUnavailable(PROVIDER, id, awsReason(e), e);
      }
      if (out.SecretString !== undefined) return out.SecretString;
      if (out.SecretBinary !== undefined) return utf8Secret(PROVIDER, id, out.SecretBinary);
      return undefined;
    },
  };
}
