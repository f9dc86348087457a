import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { keyVaultSealer, type KeyWrapClient } from './sealer-keyvault';

const BASE = 'https://secorch-kv.vault.azure.net/keys/subscriptions';
const V1 = '0123456789abcdef0123456789abcdef';
const V2 = 'fedcba9876543210fedcba9876543210';
const ctx = { subscription: 'sub-1' };

class RestError extends Error {
  override name = 'RestError';
  constructor(message: string, readonly statusCode?: number) {
    super(message);
  }
}

/**
 * A Key Vault stand-in behind the CryptographyClient interface: one real RSA-2048 key pair per
 * version, RSA-OAEP-256 (OAEP with SHA-256, as the service does), 400 on a bad unwrap.
 */
function fakeVault() {
  const versions = new Map<string, { publicKey: KeyObject; privateKey: KeyObject }>();
  const calls: { url: string; op: 'wrapKey' | 'unwrapKey'; algorithm: string }[] = [];
  let fail: Error | undefined;
  const oaep = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
  const clientFor = (url: string): KeyWrapClient => {
    const version = url.slice(url.lastIndexOf('/') + 1);
    if (!versions.has(version)) versions.set(version, generateKeyPairSync('rsa', { modulusLength: 2048 }));
    const pair = versions.get(version)!;
    return {
      wrapKey: async (algorithm, key) => {
        calls.push({ url, op: 'wrapKey', algorithm });
        if (fail) throw fail;
        return { algorithm, keyID: url, result: publicEncrypt({ key: pair.publicKey, ...oaep }, key) };
      },
      unwrapKey: async (algorithm, encryptedKey) => {
        calls.push({ url, op: 'unwrapKey', algorithm });
        if (fail) throw fail;
        try {
          return { algorithm, keyID: url, result: privateDecrypt({ key: pair.privateKey, ...oaep }, encryptedKey) };
        } catch {
          throw new RestError('Bad Request', 400);
        }
      },
    } as KeyWrapClient;
  };
  return { clientFor, calls, failWith: (e?: Error) => void (fail = e) };
}

describe('keyVaultSealer (Key Vault mocked at the CryptographyClient: no emulator)', () => {
  test('wraps a fresh data key with RSA-OAEP-256 under the configured key version and opens it', async () => {
    const kv = fakeVault();
    const s = keyVaultSealer({ keyId: `${BASE}/${V1}`, clientFor: kv.clientFor });
    const sealed = await s.seal('whsec_abc', ctx);
    expect(sealed).toMatch(/^v1\.azure-keyvault\./);
    expect(Buffer.from(sealed.split('.')[2]!, 'base64url').toString()).toBe(V1);
    expect(sealed).not.toContain('whsec_abc');
    expect(await keyVaultSealer({ keyId: `${BASE}/${V1}`, clientFor: kv.clientFor }).open(sealed, ctx)).toBe('whsec_abc');
    expect(kv.calls).toEqual([
      { url: `${BASE}/${V1}`, op: 'wrapKey', algorithm: 'RSA-OAEP-256' },
      { url: `${BASE}/${V1}`, op: 'unwrapKey', algorithm: 'RSA-OAEP-256' },
    ]);
  });

  test('after rotation to a new version, values sealed under the old one still open (with the old version)', async () => {
    const kv = fakeVault();
    const old = await keyVaultSealer({ keyId: `${BASE}/${V1}`, clientFor: kv.clientFor }).seal('old', ctx);
    const rotated = keyVaultSealer({ keyId: `${BASE}/${V2}`, clientFor: kv.clientFor });
    const fresh = await rotated.seal('new', ctx);
    expect(await rotated.open(old, ctx)).toBe('old');
    expect(await rotated.open(fresh, ctx)).toBe('new');
    expect(kv.calls.filter((c) => c.op === 'unwrapKey').map((c) => c.url)).toEqual([`${BASE}/${V1}`, `${BASE}/${V2}`]);
  });

  test('the context is bound by GCM (wrapKey has no AAD); tampering is caught by Key Vault or GCM', async () => {
    const kv = fakeVault();
    const s = keyVaultSealer({ keyId: `${BASE}/${V1}`, clientFor: kv.clientFor });
    const sealed = await s.seal('whsec_abc', ctx);
    const rejected = { code: 'unseal_failed', retryable: false, expose: false, extra: { reason: 'rejected' } };
    await expect(s.open(sealed, { subscription: 'sub-2' })).rejects.toMatchObject(rejected);
    const parts = sealed.split('.');
    const wrapped = Buffer.from(parts[3]!, 'base64url');
    wrapped[5]! ^= 1;
    await expect(s.open([...parts.slice(0, 3), wrapped.toString('base64url'), ...parts.slice(4)].join('.'), ctx)).rejects.toMatchObject(rejected);
    const badVersion = Buffer.from('../../secrets/x').toString('base64url');
    await expect(s.open([...parts.slice(0, 2), badVersion, ...parts.slice(3)].join('.'), ctx)).rejects.toMatchObject({ extra: { reason: 'malformed' } });
    await expect(s.open(sealed.replace('azure-keyvault', 'local'), ctx)).rejects.toMatchObject({ extra: { reason: 'wrong_provider' } });
  });

  test('throttling and 5xx are retryable; forbidden and non-REST errors are not', async () => {
    const kv = fakeVault();
    const s = keyVaultSealer({ keyId: `${BASE}/${V1}`, clientFor: kv.clientFor });
    kv.failWith(new RestError('Too many requests', 429));
    await expect(s.seal('x', ctx)).rejects.toMatchObject({ code: 'seal_failed', retryable: true, message: 'Key Vault wrapKey failed (429)' });
    kv.failWith(new RestError('Forbidden', 403));
    await expect(s.seal('x', ctx)).rejects.toMatchObject({ code: 'seal_failed', retryable: false, extra: { reason: 'kms' } });
    kv.failWith(new Error('CredentialUnavailableError'));
    await expect(s.seal('x', ctx)).rejects.toMatchObject({ retryable: false });
    kv.failWith(undefined);
    await expect(s.check()).resolves.toBeUndefined();
  });

  test('the key id must be a versioned https key URL', () => {
    for (const keyId of [BASE, `${BASE}/`, `http://secorch-kv.vault.azure.net/keys/subscriptions/${V1}`, `${BASE}/${V1}/extra`, `${BASE}/${V1}?x=1`, 'subscriptions']) {
      expect(() => keyVaultSealer({ keyId })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    }
    expect(() => keyVaultSealer({ keyId: `${BASE}/${V1}` })).not.toThrow(); // no client built until first use
  });
});

describe('previousKeyIds: values sealed under another key or vault still open (Key Vault mocked: no emulator)', () => {
  const OLD_BASE = 'https://old-kv.vault.azure.net/keys/subscriptions';
  /** One RSA key per versioned key URL, made by its first wrap; unwrap under a URL the vault does not hold is 404 KeyNotFound. */
  function vaults(opts: { unwrapFails?: Error } = {}) {
    const pairs = new Map<string, { publicKey: KeyObject; privateKey: KeyObject }>();
    const asked: string[] = [];
    const oaep = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
    const clientFor = (url: string): KeyWrapClient => ({
      wrapKey: async (algorithm: string, key: Uint8Array) => {
        if (!pairs.has(url)) pairs.set(url, generateKeyPairSync('rsa', { modulusLength: 2048 }));
        return { algorithm, keyID: url, result: publicEncrypt({ key: pairs.get(url)!.publicKey, ...oaep }, key) };
      },
      unwrapKey: async (algorithm: string, encryptedKey: Uint8Array) => {
        asked.push(url);
        if (opts.unwrapFails) throw opts.unwrapFails;
        const pair = pairs.get(url);
        if (!pair) throw new RestError('KeyNotFound', 404);
        return { algorithm, keyID: url, result: privateDecrypt({ key: pair.privateKey, ...oaep }, encryptedKey) };
      },
    }) as unknown as KeyWrapClient;
    return { clientFor, asked };
  }

  test('the configured key first, then each previous one (with or without a version); new values are sealed under the configured key', async () => {
    const kv = vaults();
    const sealed = await keyVaultSealer({ keyId: `${OLD_BASE}/${V1}`, clientFor: kv.clientFor }).seal('whsec_old', ctx);
    for (const previous of [OLD_BASE, `${OLD_BASE}/${V2}`]) {
      kv.asked.length = 0;
      const moved = keyVaultSealer({ keyId: `${BASE}/${V2}`, previousKeyIds: [previous], clientFor: kv.clientFor });
      expect(await moved.open(sealed, ctx)).toBe('whsec_old');
      expect(kv.asked).toEqual([`${BASE}/${V1}`, `${OLD_BASE}/${V1}`]);
    }
    const moved = keyVaultSealer({ keyId: `${BASE}/${V2}`, previousKeyIds: [OLD_BASE], clientFor: kv.clientFor });
    const fresh = await moved.seal('whsec_new', ctx);
    expect(await keyVaultSealer({ keyId: `${BASE}/${V2}`, clientFor: kv.clientFor }).open(fresh, ctx)).toBe('whsec_new');
  });

  test('without the previous key the value stays unreadable, as before; a transient failure is not taken for another key', async () => {
    const kv = vaults();
    const sealed = await keyVaultSealer({ keyId: `${OLD_BASE}/${V1}`, clientFor: kv.clientFor }).seal('whsec_old', ctx);
    await expect(keyVaultSealer({ keyId: `${BASE}/${V2}`, clientFor: kv.clientFor }).open(sealed, ctx)).rejects.toMatchObject({ code: 'unseal_failed' });
    const down = vaults({ unwrapFails: new RestError('Service Unavailable', 503) });
    await expect(keyVaultSealer({ keyId: `${BASE}/${V2}`, previousKeyIds: [OLD_BASE], clientFor: down.clientFor }).open(sealed, ctx))
      .rejects.toMatchObject({ code: 'unseal_failed', retryable: true });
    expect(down.asked).toEqual([`${BASE}/${V1}`]);
  });

  test('a previous key that is no Key Vault key URL is refused at start', () => {
    for (const bad of ['http://old-kv.vault.azure.net/keys/subscriptions', 'https://old-kv.vault.azure.net/secrets/subscriptions', `${OLD_BASE}/${V1}/extra`]) {
      expect(() => keyVaultSealer({ keyId: `${BASE}/${V1}`, previousKeyIds: [bad] })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    }
  });
});
