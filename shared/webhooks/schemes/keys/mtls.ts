import { errors } from '../../../errors';
import type { Verifier } from '../../types';
import type { MtlsVerifyConfig } from './config';
import { deliveryIdReader } from './delivery-id';
import { credentialInvalid, credentialMissing } from './errors';

/**
 * Mutual TLS, terminated by the platform (API Gateway custom domain, Azure App Service client
 * certificates, a Google load balancer): the adapter puts what the platform forwarded into
 * `input.client.cert`. Never reads a request header itself: a client can send any header it likes.
 * Every configured allowlist must match: a pinned fingerprint and/or an exact subject DN. A subject
 * counts only on a chain the platform verified (`verified: true`): anyone can issue themselves a
 * certificate with any subject, while a pinned fingerprint stands on its own (the TLS handshake
 * proved the client holds that certificate's key), so it is the choice where the platform
 * forwards unverified certificates (Azure App Service).
 */
const FINGERPRINT = /^[0-9a-f]{64}$/;

/** `AB:CD:...` or `abcd...` -> 64 lower-case hex digits, or undefined. */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.replace(/:/g, '').toLowerCase();
  return FINGERPRINT.test(hex) ? hex : undefined;
}

export function mtlsVerifier(config: MtlsVerifyConfig): Verifier {
  const fingerprints = config.fingerprints?.map((f) => {
    const hex = normalizeFingerprint(f);
    if (!hex) throw errors.config('mtls: fingerprints must be SHA-256 fingerprints (64 hex digits, colons allowed)');
    return hex;
  });
  const allowed = fingerprints && new Set(fingerprints);
  const subjects = config.subjects && new Set(config.subjects);
  if (!allowed && !subjects) throw errors.config('mtls: give fingerprints, subjects or both');
  const readId = deliveryIdReader(config, 'mtls');
  return (input) => {
    const cert = input.client?.cert;
    if (!cert) throw credentialMissing('A client certificate');
    if (cert.verified === false) throw credentialInvalid('The client certificate chain was not verified');
    const fp = cert.fingerprint256 === undefined ? undefined : normalizeFingerprint(cert.fingerprint256);
    if (allowed && (fp === undefined || !allowed.has(fp))) throw credentialInvalid('The client certificate is not allowed');
    if (subjects && (cert.verified !== true || cert.subject === undefined || !subjects.has(cert.subject))) {
      throw credentialInvalid('The client certificate is not allowed');
    }
    return { deliveryId: readId(input) };
  };
}
