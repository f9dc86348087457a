import type { Secrets } from '../../shared/ports';
import { checkCommonName, invalidSecretName } from '../../shared/secrets';

const PROVIDER = 'env';

/**
 * The value of environment variable `name`, undefined when unset or empty (an empty secret is
 * never meant: as with `${VAR}`, empty counts as unset). Names may not contain `=`, which no
 * environment variable name can hold.
 */
export function envSecretValue(env: Record<string, string | undefined>, name: string): string | undefined {
  checkCommonName(PROVIDER, name);
  if (name.includes('=')) throw invalidSecretName(PROVIDER, name, 'an environment variable name cannot contain "="');
  // Only a string is a value: process.env inherits Object.prototype (`toString`, `__proto__`).
  const value: unknown = env[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Secrets from environment variables (the local default and the fallback everywhere). */
export function envSecrets(env: Record<string, string | undefined>): Secrets {
  return { get: async (name) => envSecretValue(env, name) };
}
