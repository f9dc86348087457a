import { generateKeyPairSync } from 'node:crypto';
import { hmacVerifier, type HmacVerifyConfig } from './schemes/hmac';
import { rsaVerifier } from './schemes/keys/rsa';
import { parseConfig } from './schemes/keys/test-kit';

/**
 * A timestamp header is a replay window only when the signature covers it: unsigned, whoever
 * replays a captured request writes a fresh one, and the request passes again as soon as its
 * replay record has expired. Such a configuration is refused when the scheme is built.
 */
const SECRET = 'unsigned-timestamp-secret';
const base: HmacVerifyConfig = { scheme: 'hmac', secret: SECRET, header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: '{body}' };
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;

describe('a timestamp header outside the signed content', () => {
  test.each<[string, Partial<HmacVerifyConfig>]>([
    ['{body} (the default)', { timestampHeader: 'X-Timestamp' }],
    ['{id}.{body}', { timestampHeader: 'X-Timestamp', idHeader: 'X-Id', signedContent: '{id}.{body}' }],
    ['{body} with a tolerance', { timestampHeader: 'X-Timestamp', toleranceSeconds: 60 }],
  ])('is refused at build time for hmac (signedContent %s)', (_, over) => {
    expect(() => hmacVerifier({ ...base, ...over })).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(/\{timestamp\}/) }));
  });

  test('is refused at build time for rsa', () => {
    const config = parseConfig({ scheme: 'rsa', publicKeys: [rsaPem], header: 'X-Signature', timestampHeader: 'X-Timestamp' });
    expect(() => rsaVerifier(config)).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(/\{timestamp\}/) }));
  });
});
