import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { clientAssertion, clientKey } from './private-key-jwt';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const NOW = Date.parse('2030-01-01T00:00:00Z');
const TOKEN_URL = 'https://example.okta.com/oauth2/v1/token';

test('the assertion (RFC 7523 section 2.2): RS256 with kid, iss = sub = client id, aud = token URL, 5 minutes, a new jti each time', async () => {
  const key = clientKey(pkcs8, 'key-1');
  const [a, b] = [await clientAssertion(key, '0oa1', TOKEN_URL, NOW), await clientAssertion(key, '0oa1', TOKEN_URL, NOW)];
  const { payload, protectedHeader } = await jwtVerify(a, rsa.publicKey, { issuer: '0oa1', subject: '0oa1', audience: TOKEN_URL, currentDate: new Date(NOW) });
  expect(protectedHeader).toEqual({ alg: 'RS256', kid: 'key-1' });
  expect(payload).toEqual({ iss: '0oa1', sub: '0oa1', aud: TOKEN_URL, iat: NOW / 1000, exp: NOW / 1000 + 300, jti: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  expect((await jwtVerify(b, rsa.publicKey, { currentDate: new Date(NOW) })).payload.jti).not.toBe(payload.jti);
});

test('key formats: PKCS#8, PKCS#1 and SEC1 PEM, PEM with escaped newlines, private JWK (EC keys sign ES256, the JWK kid is used)', async () => {
  const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const sec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string;
  const jwk = JSON.stringify({ ...ec.privateKey.export({ format: 'jwk' }), kid: 'ec-1' });
  expect([clientKey(pkcs8), clientKey(pkcs1), clientKey(pkcs8.replace(/\n/g, '\\n'))].map((k) => [k.alg, k.kid])).toEqual([['RS256', undefined], ['RS256', undefined], ['RS256', undefined]]);
  expect([clientKey(sec1).alg, clientKey(jwk).alg, clientKey(jwk).kid, clientKey(jwk, 'override').kid]).toEqual(['ES256', 'ES256', 'ec-1', 'override']);
  const assertion = await clientAssertion(clientKey(jwk), 'c', TOKEN_URL, NOW);
  expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256', kid: 'ec-1' });
  await expect(jwtVerify(assertion, ec.publicKey, { currentDate: new Date(NOW) })).resolves.toBeDefined();
});

test('refusals say what is wrong and never quote the key', () => {
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const encrypted = rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
  const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const publicJwk = JSON.stringify(ec.publicKey.export({ format: 'jwk' }));
  for (const [text, why] of [
    [small, 'at least 2048 bits'],
    [encrypted, 'encrypted private keys are not supported'],
    [ed, 'must be RSA (RS256) or EC'],
    [publicJwk, 'the JWK is a public key'],
    ['{"kty":"RSA","d":"x"}', 'the private JWK could not be imported'],
    ['{not json', 'neither PEM nor JWK JSON'],
  ] as const) {
    let message = '';
    expect(() => {
      try {
        clientKey(text);
      } catch (e) {
        message = (e as Error).message;
        throw e;
      }
    }).toThrow(TypeError);
    expect(message).toContain(why);
    for (const line of text.split(/\n|"/).filter((l) => l.length > 10 && !l.startsWith('-----'))) expect(message).not.toContain(line);
  }
});

test('secrets(): the key as configured and its parts, for the scrubber', () => {
  const jwk = ec.privateKey.export({ format: 'jwk' });
  expect(clientKey(JSON.stringify(jwk)).secrets).toEqual(expect.arrayContaining([JSON.stringify(jwk), jwk.d]));
  const lines = pkcs8.split('\n').filter((l) => l.length > 0 && !l.startsWith('-----'));
  expect(clientKey(pkcs8).secrets).toEqual(expect.arrayContaining([pkcs8, lines[0], lines.join('')]));
});
