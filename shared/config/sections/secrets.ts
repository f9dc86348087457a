import * as z from 'zod/mini';

const nonEmpty = z.string().check(z.minLength(1));

const sealerSchema = z.discriminatedUnion('provider', [
  z.strictObject({ provider: z.literal('local') }),
  // previousKeyIds: keys values were sealed under before keyId (an alias re-pointed, a key
  // replaced); they are only ever used to open, never to seal.
  z.strictObject({ provider: z.literal('aws-kms'), keyId: nonEmpty, previousKeyIds: z.optional(z.array(nonEmpty).check(z.maxLength(10))) }),
  z.strictObject({
    provider: z.literal('azure-keyvault'), keyId: z.url({ protocol: /^https$/ }),
    previousKeyIds: z.optional(z.array(z.url({ protocol: /^https$/ })).check(z.maxLength(10))),
  }),
  z.strictObject({ provider: z.literal('gcp-kms'), keyName: nonEmpty, previousKeyNames: z.optional(z.array(nonEmpty).check(z.maxLength(10))) }),
]);

export const SECRET_PROVIDERS = ['env', 'aws-secrets-manager', 'aws-ssm', 'azure-keyvault', 'gcp-secret-manager'] as const;
export type SecretProvider = (typeof SECRET_PROVIDERS)[number];

/**
 * `secrets`: where `secret://name` references in the configuration (and `deps.secrets` lookups)
 * are resolved, how long values are cached, and the sealer of subscription secrets. This
 * section itself may not use `secret://` references (it says how to resolve them).
 */
export const secretsSchema = z.strictObject({
  /** Secret manager; default `env` (an environment variable per name). Each cloud offers its own and env. */
  provider: z._default(z.enum(SECRET_PROVIDERS), 'env'),
  /** Azure Key Vault URL, e.g. https://my-vault.vault.azure.net (azure-keyvault only, required there). */
  vaultUrl: z.optional(z.url({ protocol: /^https$/ })),
  /** Google Cloud project of the secrets (gcp-secret-manager only); default: the function's project. */
  projectId: z.optional(nonEmpty),
  /**
   * Put before every name: `secorch-prod-` makes `github` read `secorch-prod-github`. For aws-ssm
   * it is a path (`/secorch/prod/`), joined with one `/`; names starting with `/` stay absolute.
   */
  prefix: z.optional(z.string()),
  /** How long a resolved value is cached, in seconds (default 300; 0 = ask every time). */
  ttlSeconds: z._default(z.number().check(z.int(), z.nonnegative(), z.maximum(86400)), 300),
  /** Encryption at rest of subscription secrets; default: the runtime's (a key file locally). */
  sealer: z.optional(sealerSchema),
});

export type SecretsConfig = z.output<typeof secretsSchema>;

/** Rules across keys of the section, as `path: problem` lines. */
export function secretsSectionProblems(s: SecretsConfig): string[] {
  const problems: string[] = [];
  if (s.provider === 'azure-keyvault' && !s.vaultUrl) problems.push('secrets.vaultUrl: required with provider azure-keyvault');
  if (s.provider !== 'azure-keyvault' && s.vaultUrl) problems.push(`secrets.vaultUrl: only used with provider azure-keyvault, not ${s.provider}`);
  if (s.provider !== 'gcp-secret-manager' && s.projectId) problems.push(`secrets.projectId: only used with provider gcp-secret-manager, not ${s.provider}`);
  return problems;
}
