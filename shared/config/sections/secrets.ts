import * as z from 'zod/mini';

const nonEmpty = z.string().check(z.minLength(1));

const sealerSchema = z.discriminatedUnion('provider', [
  z.strictObject({ provider: z.literal('local') }),
  z.strictObject({ provider: z.literal('aws-kms'), keyId: nonEmpty }),
  z.strictObject({ provider: z.literal('azure-keyvault'), keyId: z.url() }),
  z.strictObject({ provider: z.literal('gcp-kms'), keyName: nonEmpty }),
]);

/**
 * `secrets`: where `secret://name` references in the configuration are resolved, how long values
 * are cached, and the sealer of subscription secrets. This section itself may not use
 * `secret://` references (it says how to resolve them).
 */
export const secretsSchema = z.strictObject({
  /** Secret manager of `secret://name` references; default `env` (an environment variable per name). */
  provider: z._default(z.enum(['env', 'aws-secrets-manager', 'aws-ssm', 'azure-keyvault', 'gcp-secret-manager']), 'env'),
  /** Azure Key Vault URL, e.g. https://my-vault.vault.azure.net. */
  vaultUrl: z.optional(z.url()),
  /** Google Cloud project of the secrets; default: the function's project. */
  projectId: z.optional(nonEmpty),
  /** Prepended to every name (e.g. `/secorch/prod/` for SSM paths). */
  prefix: z.optional(z.string()),
  /** How long a resolved value is cached (default 300 s). */
  ttlSeconds: z._default(z.number().check(z.int(), z.nonnegative()), 300),
  /** Encryption at rest of subscription secrets; default: the runtime's (a key file locally). */
  sealer: z.optional(sealerSchema),
});
