import type { TokenCredential } from '@azure/core-auth';
import { formatSealed } from '../../shared/crypto/aead';
import { blackHole } from '../postgres/net-faults.testkit';
import { keyVaultSealer } from './sealer-keyvault';
import { keyVaultSecrets } from './secrets-keyvault';

/**
 * Key Vault unreachable: no emulator exists, so the clients the providers build by default (a
 * SecretClient, a CryptographyClient) are pointed at a local server that accepts TCP and never
 * answers (not even the TLS handshake), with a token credential instead of
 * DefaultAzureCredential. Every call must end in a typed retryable error after the (here
 * shortened) per-try timeout: the SDK sets none by default, so a call waited for the platform's
 * function timeout. The per-test timeout is the only time bound: far above the configured one.
 */
const SHORT = { tryTimeoutMs: 300, retryDelayMs: 20 };
const BOUND_MS = 10_000;
const credential: TokenCredential = { getToken: async () => ({ token: 'fake-token', expiresOnTimestamp: 4102444800000 }) };

describe('Key Vault providers against a server that accepts TCP and never answers', () => {
  let hole: Awaited<ReturnType<typeof blackHole>>;
  beforeEach(async () => {
    hole = await blackHole();
  });
  afterEach(() => hole.close());

  it('keyVaultSecrets: get rejects with a retryable secret_unavailable', async () => {
    const secrets = keyVaultSecrets({ vaultUrl: `https://127.0.0.1:${hole.port}`, credential, ...SHORT });
    await expect(secrets.get('db-password')).rejects.toMatchObject({ code: 'secret_unavailable', retryable: true, extra: { secret: 'db-password' } });
  }, BOUND_MS);

  it('keyVaultSealer: seal and open reject with a retryable error (wrapKey and unwrapKey never began)', async () => {
    const sealer = keyVaultSealer({ keyId: `https://127.0.0.1:${hole.port}/keys/signing/0123abcd`, credential, ...SHORT });
    const context = { purpose: 'test' };
    await expect(sealer.seal('s3cr3t', context)).rejects.toMatchObject({ code: 'seal_failed', retryable: true });
    const sealed = formatSealed('azure-keyvault', ['0123abcd', 'wrapped data key', 'iv of 12 byte', 'ciphertext', 'tag of 16 bytes!'].map((p) => Buffer.from(p)));
    await expect(sealer.open(sealed, context)).rejects.toMatchObject({ code: 'unseal_failed', retryable: true });
  }, BOUND_MS);

  it('the default clients authenticate as the user-assigned identity clientId names (Entra ID has no emulator: a recording credential factory)', async () => {
    const asked: unknown[] = [];
    const identity = { clientId: '5e1f3f5c-6a4b-4c1e-9d57-3f0e2b7c9a11', credentialFactory: (options: unknown) => (asked.push(options), credential) };
    await expect(keyVaultSecrets({ vaultUrl: `https://127.0.0.1:${hole.port}`, ...identity, ...SHORT }).get('db-password')).rejects.toMatchObject({ code: 'secret_unavailable' });
    await expect(keyVaultSealer({ keyId: `https://127.0.0.1:${hole.port}/keys/signing/0123abcd`, ...identity, ...SHORT }).seal('s3cr3t', { purpose: 'test' }))
      .rejects.toMatchObject({ code: 'seal_failed' });
    expect(asked).toEqual([{ managedIdentityClientId: identity.clientId }, { managedIdentityClientId: identity.clientId }]);
  }, BOUND_MS);
});
