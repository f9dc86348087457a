import type { Secrets } from '../../shared/ports';

/** Secrets from environment variables (the local default and the fallback everywhere). */
export function envSecrets(env: Record<string, string | undefined>): Secrets {
  return { get: async (name) => env[name] };
}
