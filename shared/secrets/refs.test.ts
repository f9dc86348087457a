import { AppError } from '../errors';
import { mapSecrets, type Secrets } from '../ports/secrets';
import { findSecretRefs, parseSecretRef, referableValues, resolveSecretRefs } from './refs';
import { invalidSecretName, secretUnavailable } from './errors';

const SECRETS = {
  'github-webhook': 'gh-value-123',
  db: JSON.stringify({ username: 'app', password: 'db-pass-456', port: 5432, nested: { a: 1 } }),
  plain: 'not-json-value-789',
};

function counting(values: Record<string, string | undefined>): Secrets & { calls: string[] } {
  const calls: string[] = [];
  return { calls, get: async (name) => (calls.push(name), values[name]) };
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

describe('secret:// references', () => {
  test('whole strings are references, with an optional #field; anything else is left alone', () => {
    expect(parseSecretRef('secret://github-webhook', 'p')).toEqual({ name: 'github-webhook' });
    expect(parseSecretRef('secret://prod/db#password', 'p')).toEqual({ name: 'prod/db', field: 'password' });
    expect(parseSecretRef('https://x.example/?t=secret://y', 'p')).toBeUndefined();
    expect(parseSecretRef(' secret://y', 'p')).toBeUndefined();
    expect(parseSecretRef('secretive', 'p')).toBeUndefined();
  });

  test.each(['secret://', 'secret://a b', 'secret://a#', 'secret://#f', 'secret://a#f g'])('%j is a malformed reference, named with its path', (value) => {
    expect(() => parseSecretRef(value, 'sources.g.verify.secret')).toThrow(/^sources\.g\.verify\.secret: a secret reference is secret:\/\/<name>/);
  });

  test('references are replaced in nested objects and arrays; each name is fetched once', async () => {
    const secrets = counting(SECRETS);
    const data = {
      sources: { g: { verify: { scheme: 'github', secrets: ['secret://github-webhook', 'literal-old'] } } },
      destinations: { pg: { type: 'postgres', user: 'secret://db#username', password: 'secret://db#password', port: 'secret://db#port' } },
      list: [[{ deep: 'secret://github-webhook' }]],
      note: 'see secret://github-webhook for details',
      n: 3,
      flag: true,
      nothing: null,
    };
    expect(await resolveSecretRefs(data, secrets)).toEqual({
      sources: { g: { verify: { scheme: 'github', secrets: ['gh-value-123', 'literal-old'] } } },
      destinations: { pg: { type: 'postgres', user: 'app', password: 'db-pass-456', port: '5432' } },
      list: [[{ deep: 'gh-value-123' }]],
      note: 'see secret://github-webhook for details',
      n: 3,
      flag: true,
      nothing: null,
    });
    expect(secrets.calls.sort()).toEqual(['db', 'github-webhook']);
    expect(data.sources.g.verify.secrets[0]).toBe('secret://github-webhook'); // the input is not modified
  });

  test('without references the data is returned untouched and nothing is fetched', async () => {
    const secrets = counting(SECRETS);
    const data = { a: ['x', { b: 'secret:/not-a-ref' }] };
    expect(await resolveSecretRefs(data, secrets)).toBe(data);
    expect(secrets.calls).toEqual([]);
  });

  test('a missing secret is a config error naming the secret and the path, never a value', async () => {
    const e = await failure(resolveSecretRefs({ a: 'secret://github-webhook', destinations: { x: { token: 'secret://nope' } } }, mapSecrets(SECRETS)));
    expect(e.code).toBe('invalid_config');
    expect(e.message).toBe('Secret "nope" was not found (used at destinations.x.token)');
    expect(e.extra.path).toBe('destinations.x.token');
    expect(JSON.stringify({ m: e.message, x: e.extra })).not.toContain('gh-value-123');
  });

  test('#field errors name the field, and never echo the value or a parser message quoting it', async () => {
    const missing = await failure(resolveSecretRefs({ p: 'secret://db#pwd' }, mapSecrets(SECRETS)));
    expect(missing.message).toBe('Secret "db" has no field "pwd" (used at p)');
    const object = await failure(resolveSecretRefs({ p: 'secret://db#nested' }, mapSecrets(SECRETS)));
    expect(object.message).toBe('Secret "db" has no text or number in field "nested" (used at p)');
    const notJson = await failure(resolveSecretRefs({ p: ['secret://plain#password'] }, mapSecrets(SECRETS)));
    expect(notJson.message).toBe('Secret "plain" is not a JSON object, so it has no field "password" (used at p[0])');
    for (const e of [missing, object, notJson]) expect(e.message).not.toMatch(/db-pass-456|not-json-value-789|Unexpected|JSON at position/);
  });

  test('a value stored from a file leaves its final line breaks out; anything else, and a #field member, is used as stored', async () => {
    // `aws secretsmanager create-secret --secret-string file://s.txt`, `gcloud secrets create
    // --data-file=s.txt` and `echo v | ...` store the file's final newline with the value.
    const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
    const stored = {
      gh: 'gh-value-123\n',
      crlf: 'crlf-value\r\n',
      pem: `${pem}\n`,
      spaced: ' spaced value \n',
      db: `${JSON.stringify({ password: 'db-pass\n' })}\n`,
    };
    expect(await resolveSecretRefs({ a: 'secret://gh', b: 'secret://crlf', c: 'secret://pem', d: 'secret://spaced', e: 'secret://db#password' }, mapSecrets(stored)))
      .toEqual({ a: 'gh-value-123', b: 'crlf-value', c: pem, d: ' spaced value ', e: 'db-pass\n' });
  });

  test('referableValues: every value a reference to a secret can become (kept out of errors)', async () => {
    expect(referableValues('gh-value-123\n')).toEqual(['gh-value-123\n', 'gh-value-123']);
    expect(referableValues(SECRETS.db)).toEqual([SECRETS.db, SECRETS.db, 'app', 'db-pass-456', '5432']);
    const resolved = await resolveSecretRefs({ u: 'secret://db#username', p: 'secret://db#password', n: 'secret://db#port', w: 'secret://plain' }, mapSecrets(SECRETS));
    for (const v of Object.values(resolved as Record<string, string>)) expect([...referableValues(SECRETS.db), ...referableValues(SECRETS.plain)]).toContain(v);
  });

  test('the secrets section itself cannot hold references', async () => {
    const e = await failure(resolveSecretRefs({ secrets: { provider: 'env', prefix: 'secret://p' } }, mapSecrets(SECRETS)));
    expect(e.message).toBe('secrets.prefix: the secrets section cannot use secret references (it says how they are resolved)');
    expect(() => findSecretRefs({ secrets: { sealer: { keyId: 'secret://k' } } })).toThrow(/^secrets\.sealer\.keyId: /);
    expect(findSecretRefs({ secretsOther: 'secret://k' })).toEqual([{ ref: { name: 'k' }, path: 'secretsOther' }]);
  });

  test('a manager failure keeps its code and retryability and gains the path', async () => {
    const failing: Secrets = { get: async (name) => { throw secretUnavailable('aws-ssm', name, 'ThrottlingException'); } };
    const e = await failure(resolveSecretRefs({ sources: { g: { verify: { secret: 'secret://github-webhook' } } } }, failing));
    expect(e).toMatchObject({ code: 'secret_unavailable', retryable: true, extra: { secret: 'github-webhook', path: 'sources.g.verify.secret' } });
    expect(e.message).toBe('Secret "github-webhook" is unavailable from aws-ssm (ThrottlingException) (used at sources.g.verify.secret)');
  });

  test('a name the provider refuses is a config error with the path', async () => {
    const strict: Secrets = { get: async (name) => { throw invalidSecretName('azure-keyvault', name, 'letters, digits and dashes'); } };
    const e = await failure(resolveSecretRefs({ a: ['secret://db_password'] }, strict));
    expect(e).toMatchObject({ code: 'invalid_config', retryable: false, extra: { path: 'a[0]' } });
    expect(e.message).toBe('Secret name "db_password" is not valid for azure-keyvault: letters, digits and dashes (used at a[0])');
  });
});
