import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Secrets } from '../../shared/ports';
import { checkCommonName, invalidSecretName, secretUnavailable } from '../../shared/secrets';
import { once } from '../common/once';
import { awsReason } from './secrets-manager';
import { type AwsTimeouts, awsClientConfig } from './client-options';

export interface SsmSecretsOptions extends AwsTimeouts {
  /** Path that relative names live under (config `secrets.prefix`), e.g. `/secorch/prod/`. */
  prefix?: string;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  client?: Pick<SSMClient, 'send'>;
  region?: string;
  endpoint?: string;
}

const PROVIDER = 'aws-ssm';
/**
 * Parameter names (with an optional `:version` or `:label` selector) or ARNs:
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html
 */
const NAME = /^(?:arn:[A-Za-z0-9:/_.-]+|[A-Za-z0-9_./-]+(?::[A-Za-z0-9_.-]+)?)$/;
const NOT_FOUND = new Set(['ParameterNotFound', 'ParameterVersionNotFound']);

/**
 * `prefix` + `name` as a parameter path: one `/` between them, and a leading `/`, since a name
 * in a hierarchy must be fully qualified ("secorch/prod/a" is refused with a ValidationException);
 * absolute names and ARNs are kept.
 */
export function ssmParameterName(prefix: string | undefined, name: string): string {
  if (!prefix || name.startsWith('/') || name.startsWith('arn:')) return name;
  return `/${prefix.replace(/^\/+|\/+$/g, '')}/${name}`;
}

/**
 * Secrets from SSM Parameter Store: GetParameter WithDecryption, so SecureString parameters
 * come back decrypted (String parameters are returned as they are). ParameterNotFound is "no
 * such secret" (undefined); any other failure (AccessDenied, throttling, KMS, network) is a
 * retryable secret_unavailable naming the parameter.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
 */
export function ssmSecrets(opts: SsmSecretsOptions = {}): Secrets {
  const load = once(() => import('@aws-sdk/client-ssm').then((sdk) => ({
    sdk,
    client: opts.client ?? new sdk.SSMClient(awsClientConfig(opts)),
  })));
  return {
    async get(name) {
      checkCommonName(PROVIDER, name);
      const path = ssmParameterName(opts.prefix, name);
      if (path.length > 2048 || !NAME.test(path)) {
        throw invalidSecretName(PROVIDER, path, 'letters, digits and _.-/ only, with an optional :version or :label (or an ARN)');
      }
      let out;
      try {
        const { sdk, client } = await load();
        out = await client.send(new sdk.GetParameterCommand({ Name: path, WithDecryption: true }));
      } catch (e) {
        if (NOT_FOUND.has((e as { name?: string } | null)?.name ?? '')) return undefined;
        throw secretUnavailable(PROVIDER, path, awsReason(e), e);
      }
      return out.Parameter?.Value;
    },
  };
}
