import type { VerifyConfig } from '../config/schema';
import { errors } from '../errors';
import { githubVerifier } from './schemes/github';
import { hmacVerifier } from './schemes/hmac';
import { standardWebhooksVerifier } from './schemes/standard-webhooks';
import type { SyncVerifier } from './types';

/**
 * Builds the verifier of a source from its validated configuration. Call it once per cold start:
 * secrets are decoded and keys prepared here, so a request only hashes and compares. Throws an
 * `invalid_config` AppError (never naming a secret) for a configuration that cannot verify.
 */
export type BasicVerifyConfig = Extract<VerifyConfig, { scheme: 'github' | 'standard-webhooks' | 'hmac' }>;

export function buildVerifier(config: BasicVerifyConfig): SyncVerifier {
  switch (config.scheme) {
    case 'github':
      return githubVerifier(config);
    case 'standard-webhooks':
      return standardWebhooksVerifier(config);
    case 'hmac':
      return hmacVerifier(config);
    default: {
      const unknown: never = config;
      throw errors.config(`Unknown verify scheme ${String((unknown as { scheme?: unknown }).scheme)}`);
    }
  }
}
