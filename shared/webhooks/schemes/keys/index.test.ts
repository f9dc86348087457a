import { compileConfig } from '../../../config/compile';
import { silentLogger } from '../../../log/json-logger';
import { fixedClock, platformHttp } from '../../../ports';
import { buildScheme } from '../../registry';

// The keys schemes through the whole configuration path: secorch.yaml shape -> compileConfig
// (strict schema, ${VAR} interpolation, build check) -> buildScheme -> verify.
const env = { http: platformHttp, clock: fixedClock(0), logger: silentLogger };
const KEY = 'k_9f8e7d6c5b4a39281706';
const raw = {
  sources: {
    scanner: { verify: { scheme: 'api-key', header: 'X-Scanner-Key', keys: ['${SCANNER_KEY}'], idPath: 'id' } },
    idp: { verify: { scheme: 'jwt', algorithms: ['RS256'], jwksUrl: 'https://idp.example/.well-known/jwks.json', audience: 'secorch' } },
    partner: { verify: { scheme: 'mtls', fingerprints: ['AB'.repeat(32)] } },
    legacy: { verify: { scheme: 'basic', users: [{ username: 'svc', password: '${BASIC_PASSWORD}' }] } },
  },
};
const vars = { SCANNER_KEY: KEY, BASIC_PASSWORD: 'a-long-basic-password' };

describe('keys schemes in the configuration', () => {
  it('compile, build and verify', async () => {
    const config = compileConfig(raw, vars);
    const scanner = buildScheme(config.sources.scanner!.verify, env);
    const req = { headers: new Headers({ 'x-scanner-key': KEY }), body: Buffer.from('{"id":"s-1"}'), url: 'https://x/', now: 0 };
    expect(await scanner.verify(req)).toEqual({ deliveryId: 's-1' });
    expect(Object.keys(config.sources)).toEqual(['scanner', 'idp', 'partner', 'legacy']);
  });

  it.each([
    ['an unknown key', { scheme: 'api-key', keys: [KEY], prefix: 'x' }, /prefix: unknown key/],
    ['a jwt without algorithms', { scheme: 'jwt', secret: 'x'.repeat(32) }, /algorithms/],
    ['a jwt allowing "none"', { scheme: 'jwt', algorithms: ['none'], secret: 'x'.repeat(32) }, /algorithms/],
    ['an rsa source without publicKeys', { scheme: 'rsa', header: 'X-Sig' }, /publicKeys/],
    ['a short api key', { scheme: 'api-key', keys: ['short'] }, /at least 16/],
    ['a jwt key set over plain http', { scheme: 'jwt', algorithms: ['RS256'], jwksUrl: 'http://idp.example/jwks', audience: 'a' }, /https/],
  ])('refuses %s, naming the source', (_, verify, message) => {
    expect(() => compileConfig({ sources: { s: { verify } } }, {})).toThrow(
      expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(/sources\.s\.verify/) }),
    );
    expect(() => compileConfig({ sources: { s: { verify } } }, {})).toThrow(expect.objectContaining({ message: expect.stringMatching(message) }));
  });
});
