import { generateKeyPairSync } from 'node:crypto';
import { AppError } from '../../errors';
import { guardedHttp } from '../../http/egress';
import { fixedClock } from '../../ports/clock';
import { mapSecrets } from '../../ports/secrets';
import { compileConfig, compileConfigAsync } from '../../config/compile';
import { oktaTransport } from './transport';

const KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const oauth = (o: Record<string, unknown> = {}) => ({ clientId: '0oa1serviceapp00000x7', privateKey: '${OKTA_KEY}', ...o });
const raw = (dest: Record<string, unknown>) => ({ destinations: { 'okta-prod': { type: 'okta', baseUrl: 'https://example.okta.com', ...dest } } });
const compile = (dest: Record<string, unknown>) => compileConfig(raw(dest), { OKTA_KEY: KEY, OKTA_TOKEN: '00token-abcdef' });

function problem(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

test('exactly one of apiToken and oauth: both, or neither, is a configuration error that says so', () => {
  expect(problem(() => compile({ apiToken: '${OKTA_TOKEN}', oauth: oauth() }))).toBe('Invalid configuration: destinations.okta-prod.oauth: give apiToken or oauth, not both');
  expect(problem(() => compile({}))).toBe('Invalid configuration: destinations.okta-prod.apiToken: give apiToken (an API token) or oauth (an API Services app)');
  expect(compile({ apiToken: '${OKTA_TOKEN}' }).destinations['okta-prod']).toMatchObject({ apiToken: '00token-abcdef' });
});

test('oauth defaults: the destination scopes and DPoP; the key comes through ${VAR} interpolation', () => {
  expect(compile({ oauth: oauth() }).destinations['okta-prod']).toMatchObject({
    oauth: { clientId: '0oa1serviceapp00000x7', privateKey: KEY, scopes: ['okta.users.manage', 'okta.users.read'], dpop: true },
  });
});

test('the private key may be a secret:// reference, resolved like every other secret', async () => {
  const config = await compileConfigAsync(raw({ oauth: oauth({ privateKey: 'secret://okta-key' }) }), {}, () => mapSecrets({ 'okta-key': KEY }));
  // As stored, less the final newline a value read from a file carries (shared/secrets/refs.ts).
  expect(config.destinations['okta-prod']).toMatchObject({ oauth: { privateKey: KEY.replace(/\n$/, '') } });
});

test('scopes: actions need okta.users.manage and okta.users.read; a sync-only connection may ask for less; unknown keys refused', () => {
  const on = { 'secorch.identity.compromised': 'suspend' };
  expect(problem(() => compile({ oauth: oauth({ scopes: ['okta.users.read'] }), on })))
    .toBe('Invalid configuration: destinations.okta-prod.oauth.scopes: the actions in "on" need the scopes okta.users.manage and okta.users.read');
  expect(compile({ oauth: oauth({ scopes: ['okta.users.read', 'okta.roles.read'] }) }).destinations['okta-prod']).toMatchObject({ oauth: { scopes: ['okta.users.read', 'okta.roles.read'] } });
  expect(problem(() => compile({ oauth: oauth({ scopes: ['okta.users.read okta.roles.read'] }) }))).toContain('oauth.scopes[0]: must be one scope such as okta.users.read');
  expect(problem(() => compile({ oauth: oauth({ clientSecret: 'x' }) }))).toContain('destinations.okta-prod.oauth.clientSecret: unknown key');
});

test('a key that cannot be read fails when the transport is built, naming the path and never quoting the key', () => {
  const http = guardedHttp({ allowPrivate: ['127.0.0.0/8'] });
  const build = (privateKey: string) => () => oktaTransport('okta-prod', { baseUrl: 'https://example.okta.com', oauth: { clientId: 'c', privateKey, scopes: ['okta.users.read'], dpop: true } }, { http, clock: fixedClock(0) });
  const publicPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const lines = KEY.split('\n');
  const mangled = [lines[0], lines[1]!.slice(0, 40), ...lines.slice(2)].join('\n');
  for (const [key, why] of [
    [publicPem, 'neither a PEM private key'],
    [mangled, 'the PEM private key could not be read'],
    ['{"kty":"EC","crv":"P-256","x":"abc","y":"def"}', 'the JWK is a public key'],
    ['my-secret-but-not-a-key', 'neither a PEM private key'],
  ] as const) {
    const message = problem(build(key));
    expect(message).toBe(`destinations.okta-prod.oauth.privateKey: ${message.split(': ').slice(1).join(': ')}`);
    expect(message).toContain(why);
    for (const line of key.split('\n').filter((l) => l.length > 8 && !l.startsWith('-----'))) expect(message).not.toContain(line);
  }
  void http.close?.();
});
