export type { Verified, Verifier, VerifyInput } from './types';
export { buildVerifier } from './verifier';
export { githubVerifier, type GithubVerifyConfig } from './schemes/github';
export { standardWebhooksVerifier, decodeStandardSecret, type StandardWebhooksVerifyConfig } from './schemes/standard-webhooks';
export { hmacVerifier, type HmacVerifyConfig } from './schemes/hmac';
export { safeEqual, DEFAULT_TOLERANCE_SECONDS } from './timing-safe';
export { buildScheme } from './registry';
export type { HandshakeInput, Scheme, SchemeEnv } from './scheme';
export type { ClientCertificate, ClientInfo } from './types';
