import { SecretClient } from '@azure/keyvault-secrets';
// The Azure SDK's transport package (installed with @azure/keyvault-secrets): headers for the fake transport.
import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import { describeSecretsContract } from '../../shared/secrets/contract.testkit';
import { keyVaultSecrets } from './secrets-keyvault';

const VAULT = 'https://secorch-kv.vault.azure.net';
const CHALLENGE = 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001", resource="https://vault.azure.net"';

/**
 * No Key Vault emulator exists: a real SecretClient over a fake HTTP transport that speaks the
 * Key Vault REST protocol (the 401 challenge, then the authorized GET), so the request the SDK
 * builds for our call is what is asserted. Retries are off to keep failures immediate.
 */
function fakeVault(answer: (name: string) => { status: number; body?: object }) {
  const requests: { method: string; url: string; authorization?: string }[] = [];
  const httpClient: HttpClient = {
    sendRequest: async (request: PipelineRequest) => {
      const authorization = request.headers.get('authorization');
      requests.push({ method: request.method, url: request.url, authorization });
      if (!authorization) return { request, status: 401, headers: createHttpHeaders({ 'www-authenticate': CHALLENGE }) };
      const name = new URL(request.url).pathname.split('/')[2]!;
      const { status, body } = answer(name);
      return { request, status, headers: createHttpHeaders({ 'content-type': 'application/json' }), bodyAsText: body && JSON.stringify(body) };
    },
  };
  const credential = { getToken: async () => ({ token: 'fake-token', expiresOnTimestamp: 4102444800000 }) };
  const client = new SecretClient(VAULT, credential, { httpClient, retryOptions: { maxRetries: 0 } });
  return { client, requests };
}

const secretBody = (name: string, value: string) => ({ value, id: `${VAULT}/secrets/${name}/0123456789abcdef`, attributes: { enabled: true } });
const kvError = (code: string) => ({ error: { code, message: `${code} details` } });

describe('keyVaultSecrets (mocked SDK transport: no emulator)', () => {
  test('GET /secrets/<prefix+name>/ (latest version), authorized; the value is returned', async () => {
    const kv = fakeVault((name) => ({ status: 200, body: secretBody(name, 'gh-secret') }));
    const s = keyVaultSecrets({ vaultUrl: VAULT, prefix: 'secorch-prod-', client: kv.client });
    expect(await s.get('github-webhook')).toBe('gh-secret');
    const last = kv.requests.at(-1)!;
    expect(last).toMatchObject({ method: 'GET', authorization: 'Bearer fake-token' });
    const url = new URL(last.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${VAULT}/secrets/secorch-prod-github-webhook/`);
    expect(url.searchParams.get('api-version')).toMatch(/^\d{4}-\d{2}-\d{2}/);
  });

  test('404 SecretNotFound is undefined', async () => {
    const kv = fakeVault(() => ({ status: 404, body: kvError('SecretNotFound') }));
    expect(await keyVaultSecrets({ vaultUrl: VAULT, client: kv.client }).get('missing')).toBeUndefined();
  });

  test.each([[403, 'Forbidden'], [429, 'Throttled'], [500, 'InternalServerError']])('HTTP %i: retryable secret_unavailable naming the secret', async (status, code) => {
    const kv = fakeVault(() => ({ status, body: kvError(code) }));
    const e = await keyVaultSecrets({ vaultUrl: VAULT, client: kv.client }).get('db-password').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'secret_unavailable', retryable: true, extra: { secret: 'db-password', provider: 'azure-keyvault' } });
    expect((e as Error).message).toBe(`Secret "db-password" is unavailable from azure-keyvault (HTTP ${status})`);
  });

  test('a credential or network failure (no status) is retryable too', async () => {
    const client = { getSecret: async () => { throw Object.assign(new Error('ManagedIdentityCredential: no endpoint'), { name: 'CredentialUnavailableError' }); } };
    await expect(keyVaultSecrets({ vaultUrl: VAULT, client }).get('a')).rejects.toMatchObject({
      code: 'secret_unavailable', retryable: true, message: 'Secret "a" is unavailable from azure-keyvault (CredentialUnavailableError)',
    });
  });

  test('names with _ or . are refused with the dashed name to use, before any request', async () => {
    const kv = fakeVault((name) => ({ status: 200, body: secretBody(name, 'x') }));
    const s = keyVaultSecrets({ vaultUrl: VAULT, client: kv.client });
    await expect(s.get('GITHUB_WEBHOOK.secret')).rejects.toMatchObject({
      code: 'invalid_secret_name',
      message: 'Secret name "GITHUB_WEBHOOK.secret" is not valid for azure-keyvault: Key Vault names are 1-127 letters, digits and dashes (store it as "GITHUB-WEBHOOK-secret")',
    });
    await expect(s.get('a/b')).rejects.toMatchObject({ code: 'invalid_secret_name' });
    await expect(s.get('x'.repeat(128))).rejects.toMatchObject({ code: 'invalid_secret_name' });
    expect(kv.requests).toEqual([]);
  });

  test('the vault URL is required and must be https', () => {
    expect(() => keyVaultSecrets({ vaultUrl: '' })).toThrow(expect.objectContaining({ code: 'invalid_config', extra: { path: 'secrets.vaultUrl' } }));
    expect(() => keyVaultSecrets({ vaultUrl: 'http://kv.vault.azure.net' })).toThrow(/secrets\.vaultUrl/);
  });
});

/**
 * The Secrets contract over a real SecretClient and the fake Key Vault transport: `values` are
 * the vault's secrets under the prefix (404 SecretNotFound for anything else), 403 Forbidden
 * once broken.
 */
describeSecretsContract('keyVaultSecrets (mocked SDK transport: no emulator)', async (values) => {
  let broken = false;
  const kv = fakeVault((stored) => {
    if (broken) return { status: 403, body: kvError('Forbidden') };
    const name = stored.startsWith('secorch-prod-') ? stored.slice('secorch-prod-'.length) : undefined;
    if (name === undefined || !Object.hasOwn(values, name)) return { status: 404, body: kvError('SecretNotFound') };
    return { status: 200, body: secretBody(stored, values[name]!) };
  });
  return { secrets: keyVaultSecrets({ vaultUrl: VAULT, prefix: 'secorch-prod-', client: kv.client }), breakBackend: () => { broken = true; } };
});
