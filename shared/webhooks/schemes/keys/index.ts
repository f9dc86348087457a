import { type Scheme, type SchemeEnv, verifierOnly } from '../../scheme';
import type { ApiKeyVerifyConfig, BasicAuthVerifyConfig, JwtVerifyConfig, MtlsVerifyConfig, RsaVerifyConfig } from './config';
import { apiKeyVerifier, basicVerifier } from './credentials';
import { jwtScheme } from './jwt';
import { mtlsVerifier } from './mtls';
import { rsaVerifier } from './rsa';

/** Builders of the keys schemes, by scheme name: asymmetric signatures, tokens and credentials. */
export const keysSchemes: Record<string, (config: never, env: SchemeEnv) => Scheme> = {
  rsa: (config: RsaVerifyConfig) => verifierOnly(rsaVerifier(config)),
  jwt: (config: JwtVerifyConfig, env: SchemeEnv) => jwtScheme(config, env),
  'api-key': (config: ApiKeyVerifyConfig) => verifierOnly(apiKeyVerifier(config)),
  basic: (config: BasicAuthVerifyConfig) => verifierOnly(basicVerifier(config)),
  mtls: (config: MtlsVerifyConfig) => verifierOnly(mtlsVerifier(config)),
};
