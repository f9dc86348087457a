import { describeSecretsContract } from '../../shared/secrets/contract.testkit';
import { crc32c } from './sealer-cloudkms';
import { gcpSecrets, type SecretAccessClient } from './secrets-manager';

/**
 * No Secret Manager emulator exists and the client speaks gRPC: a fake behind the two
 * SecretManagerServiceClient methods used, answering like the service (payload bytes with
 * their CRC32C, or an error carrying a gRPC status code).
 */
function fakeSecretManager(answer: (name: string) => Uint8Array | { code: number } | Error, project = 'from-metadata') {
  const requests: unknown[] = [];
  let projectLookups = 0;
  const client: SecretAccessClient = {
    accessSecretVersion: async (request) => {
      requests.push(request);
      const a = answer(request.name!);
      if (a instanceof Error) throw a;
      if (!(a instanceof Uint8Array)) throw Object.assign(new Error(`${a.code} status`), a);
      return [{ name: request.name, payload: { data: a, dataCrc32c: String(crc32c(a)) } }];
    },
    getProjectId: async () => (projectLookups++, project),
  };
  return { client, requests, projectLookups: () => projectLookups };
}

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('gcpSecrets (mocked SDK: no emulator)', () => {
  test('accessSecretVersion of projects/<p>/secrets/<prefix+name>/versions/latest, decoded as UTF-8', async () => {
    const sm = fakeSecretManager(() => utf8('gh-sécret'));
    const s = gcpSecrets({ client: sm.client, projectId: 'acme-prod', prefix: 'secorch-' });
    expect(await s.get('github-webhook')).toBe('gh-sécret');
    expect(sm.requests).toEqual([{ name: 'projects/acme-prod/secrets/secorch-github-webhook/versions/latest' }]);
    expect(sm.projectLookups()).toBe(0);
  });

  test('without a configured project the client resolves it (metadata server), once', async () => {
    const sm = fakeSecretManager(() => utf8('v'));
    const s = gcpSecrets({ client: sm.client });
    await s.get('a');
    await s.get('b');
    expect(sm.requests).toEqual([{ name: 'projects/from-metadata/secrets/a/versions/latest' }, { name: 'projects/from-metadata/secrets/b/versions/latest' }]);
    expect(sm.projectLookups()).toBe(1);
  });

  test('a full version name pins the version and is sent as is', async () => {
    const sm = fakeSecretManager(() => utf8('v3'));
    expect(await gcpSecrets({ client: sm.client, projectId: 'p' }).get('projects/other/secrets/db/versions/3')).toBe('v3');
    expect(sm.requests).toEqual([{ name: 'projects/other/secrets/db/versions/3' }]);
  });

  test('with a prefix, a full version name still stays as it is; short names get the prefix', async () => {
    const sm = fakeSecretManager(() => utf8('v'));
    const s = gcpSecrets({ client: sm.client, projectId: 'p', prefix: 'secorch-' });
    expect(await s.get('projects/other/secrets/db/versions/3')).toBe('v');
    expect(await s.get('db')).toBe('v');
    expect(sm.requests).toEqual([{ name: 'projects/other/secrets/db/versions/3' }, { name: 'projects/p/secrets/secorch-db/versions/latest' }]);
  });

  test('NOT_FOUND (5) is undefined', async () => {
    const sm = fakeSecretManager(() => ({ code: 5 }));
    expect(await gcpSecrets({ client: sm.client, projectId: 'p' }).get('missing')).toBeUndefined();
  });

  test.each([[7, 'PERMISSION_DENIED'], [8, 'RESOURCE_EXHAUSTED'], [9, 'FAILED_PRECONDITION (disabled version)'], [14, 'UNAVAILABLE']])(
    'gRPC %i %s: retryable secret_unavailable naming the secret', async (code) => {
      const sm = fakeSecretManager(() => ({ code }));
      const e = await gcpSecrets({ client: sm.client, projectId: 'p' }).get('db').catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'secret_unavailable', retryable: true, extra: { secret: 'db', provider: 'gcp-secret-manager' } });
      expect((e as Error).message).toBe(`Secret "db" is unavailable from gcp-secret-manager (gRPC code ${code})`);
    });

  test('a payload that fails its CRC32C is not returned', async () => {
    const client: SecretAccessClient = {
      accessSecretVersion: async () => [{ payload: { data: utf8('tampered'), dataCrc32c: String(crc32c(utf8('original'))) } }],
      getProjectId: async () => 'p',
    };
    await expect(gcpSecrets({ client }).get('a')).rejects.toMatchObject({ code: 'secret_unavailable', message: 'Secret "a" is unavailable from gcp-secret-manager (payload checksum mismatch)' });
  });

  test('invalid secret ids are refused before any call', async () => {
    const sm = fakeSecretManager(() => utf8('v'));
    const s = gcpSecrets({ client: sm.client, projectId: 'p' });
    await expect(s.get('a.b')).rejects.toMatchObject({ code: 'invalid_secret_name', message: expect.stringContaining('"a.b"') });
    await expect(s.get('a b')).rejects.toMatchObject({ code: 'invalid_secret_name' });
    await expect(s.get('projects/p/secrets/x')).rejects.toMatchObject({ code: 'invalid_secret_name' });
    expect(sm.requests).toEqual([]);
  });
});

/**
 * The Secrets contract over the fake client: `values` are the latest versions of the project's
 * secrets under the prefix, as UTF-8 payload bytes with their CRC32C (NOT_FOUND for anything
 * else), UNAVAILABLE (14) once broken.
 */
describeSecretsContract('gcpSecrets (mocked SDK: no emulator)', async (values) => {
  let broken = false;
  const sm = fakeSecretManager((version) => {
    if (broken) return { code: 14 };
    const m = /^projects\/acme-prod\/secrets\/secorch-(.+)\/versions\/latest$/.exec(version);
    if (!m || !Object.hasOwn(values, m[1]!)) return { code: 5 };
    return utf8(values[m[1]!]!);
  });
  return { secrets: gcpSecrets({ client: sm.client, projectId: 'acme-prod', prefix: 'secorch-' }), breakBackend: () => { broken = true; } };
});
