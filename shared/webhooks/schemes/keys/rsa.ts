import { constants, createPublicKey, createVerify, type KeyObject } from 'node:crypto';
import { errors } from '../../../errors';
import {
  checkTimestamp, DEFAULT_TOLERANCE_SECONDS, decodeSignature, header, invalidSignature, missingHeader, missingSignature,
} from '../../timing-safe';
import type { SyncVerifier, Verified } from '../../types';
import type { RsaVerifyConfig } from './config';
import { feed, parseTemplate } from '../../template';

/**
 * RSA-SHA256 signatures (RFC 8017): PKCS#1 v1.5 (RSASSA-PKCS1-v1_5) or PSS (RSASSA-PSS, MGF1
 * with SHA-256, any salt length), for senders that sign with a private key and publish the public
 * key. Header `<prefix><base64|hex signature>`, optional timestamp and id headers, and the same
 * `signedContent` template as the hmac scheme.
 */
const MIN_MODULUS_BITS = 2048;

export function importRsaPublicKey(pem: string, scheme: string): KeyObject {
  if (/PRIVATE KEY/.test(pem)) throw errors.config(`${scheme}: publicKeys holds a private key; give the public key only`);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw errors.config(`${scheme}: a publicKeys entry is not a PEM public key or certificate`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < MIN_MODULUS_BITS) {
    throw errors.config(`${scheme}: publicKeys must be RSA keys of at least ${MIN_MODULUS_BITS} bits`);
  }
  return key;
}

export function rsaVerifier(config: RsaVerifyConfig): SyncVerifier {
  const keys = config.publicKeys.map((pem) => importRsaPublicKey(pem, 'rsa'));
  const { encoding, prefix, timestampHeader, idHeader } = config;
  const parts = parseTemplate(config.signedContent, 'rsa', { timestamp: !!timestampHeader, id: !!idHeader });
  if (config.toleranceSeconds !== undefined && !timestampHeader) throw errors.config('rsa toleranceSeconds needs a timestampHeader');
  const tolerance = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const padding = config.padding === 'pss'
    ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
    : { padding: constants.RSA_PKCS1_PADDING };
  const needsId = parts.some((p) => p.kind === 'id');

  return ({ headers, body, now }) => {
    const value = header(headers, config.header);
    if (value === undefined) throw missingSignature(config.header);
    const timestamp = timestampHeader ? header(headers, timestampHeader) : undefined;
    if (timestampHeader) checkTimestamp(timestamp, timestampHeader, now, tolerance);
    const id = idHeader ? header(headers, idHeader) : undefined;
    if (needsId && id === undefined) throw missingHeader(idHeader!);
    const given = value.startsWith(prefix) ? decodeSignature(value.slice(prefix.length), encoding) : undefined;
    if (given === undefined) throw invalidSignature();
    for (const key of keys) {
      // A signature of the wrong length for this key is simply false (OpenSSL checks it).
      const verifier = createVerify('sha256');
      feed(verifier, parts, { body, timestamp, id });
      if (verifier.verify({ key, ...padding }, given)) {
        // Unless the id is signed, a replay could change it: the signature is a replay key too.
        const result: Verified = { deliveryId: id, signature: needsId ? undefined : given.toString(encoding) };
        if (timestampHeader) result.toleranceSeconds = tolerance;
        return result;
      }
    }
    throw invalidSignature();
  };
}
