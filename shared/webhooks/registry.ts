import type { VerifyConfig } from '../config/schema';
import { errors } from '../errors';
import { type Scheme, type SchemeEnv, verifierOnly } from './scheme';
import { handshakeSchemes } from './schemes/handshake';
import { keysSchemes } from './schemes/keys';
import { vendorSchemes } from './schemes/vendor';
import { type BasicVerifyConfig, buildVerifier } from './verifier';

const BASIC = new Set(['github', 'standard-webhooks', 'hmac']);
const GROUPS = [vendorSchemes, keysSchemes, handshakeSchemes];

/**
 * Builds a source's scheme from its validated configuration, once per cold start: secrets are
 * decoded and keys imported here, so a request only hashes and compares. Throws an
 * `invalid_config` AppError (never naming a secret) for a configuration that cannot verify.
 */
export function buildScheme(config: VerifyConfig, env: SchemeEnv): Scheme {
  if (BASIC.has(config.scheme)) return verifierOnly(buildVerifier(config as BasicVerifyConfig));
  for (const group of GROUPS) {
    if (Object.hasOwn(group, config.scheme)) return group[config.scheme]!(config as never, env);
  }
  throw errors.config(`Unknown verify scheme ${config.scheme}`);
}
