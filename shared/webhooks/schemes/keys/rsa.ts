import { constants, createPublicKey, createVerify, type KeyObject } from 'node:crypto';
import { errors } from '../../../errors';
import { feed, templatedSignature } from '../../template';
import { invalidSignature } from '../../timing-safe';
import type { SyncVerifier } from '../../types';
import type { RsaVerifyConfig } from './config';

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
  if (key.asymmetricKeyType !== 'rsa') throw weakRsa(scheme);
  return strongRsa(key, scheme);
}

const weakRsa = (scheme: string) => errors.config(`${scheme}: publicKeys must be RSA keys of at least ${MIN_MODULUS_BITS} bits`);

/** An RSA key of at least MIN_MODULUS_BITS, else invalid_config; however it was given (PEM or JWK). */
export function strongRsa(key: KeyObject, scheme: string): KeyObject {
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_MODULUS_BITS) throw weakRsa(scheme);
  return key;
}

export function rsaVerifier(config: RsaVerifyConfig): SyncVerifier {
  const keys = config.publicKeys.map((pem) => {
    const key = importRsaPublicKey(pem, 'rsa');
    return { key, bytes: Math.ceil(key.asymmetricKeyDetails!.modulusLength! / 8) };
  });
  const { parts, read, verified } = templatedSignature(config, 'rsa');
  const padding = config.padding === 'pss'
    ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
    : { padding: constants.RSA_PKCS1_PADDING };

  return ({ headers, body, now }) => {
    const { timestamp, id, given } = read({ headers, now });
    if (given === undefined) throw invalidSignature();
    for (const { key, bytes } of keys) {
      // A signature is exactly as long as the key's modulus (RFC 8017 8.1.2, 8.2.2: "If the length
      // of the signature S is not k octets, output 'invalid signature'"). OpenSSL checks that for
      // PKCS#1 v1.5 but not for PSS, where it takes S without its leading zero bytes as well: the
      // same signature in two spellings would be two replay keys, and a replay would get through.
      if (given.byteLength !== bytes) continue;
      const verifier = createVerify('sha256');
      feed(verifier, parts, { body, timestamp, id });
      if (verifier.verify({ key, ...padding }, given)) return verified(id, given);
    }
    throw invalidSignature();
  };
}
