import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { cloudKmsSealer, crc32c, type CloudKmsClient } from './sealer-cloudkms';

const KEY = 'projects/p1/locations/europe-west1/keyRings/secorch/cryptoKeys/subscriptions';
const ctx = { subscription: 'sub-1' };
type Req = Parameters<CloudKmsClient['encrypt']>[0] & Parameters<CloudKmsClient['decrypt']>[0];

const grpcError = (code: number, message: string) => Object.assign(new Error(`${code} ${message}`), { code });

/**
 * A Cloud KMS stand-in behind the KeyManagementServiceClient interface: AES-GCM with the request's
 * additionalAuthenticatedData, the CRC32C checks the service does on requests, and the checksum
 * fields it returns (Int64Value as a string, as the gRPC transport delivers it).
 */
function fakeCloudKms() {
  const master = randomBytes(32);
  const requests: { op: string; req: Req }[] = [];
  let tamper: ((res: Record<string, unknown>) => void) | undefined;
  const checked = (bytes: Uint8Array | string | null | undefined, crc: { value?: unknown } | null | undefined) => {
    const b = Buffer.from(bytes as Uint8Array);
    if (crc && String(crc.value) !== String(crc32c(b))) throw grpcError(3, 'checksum mismatch');
    return b;
  };
  const client: CloudKmsClient = {
    async encrypt(req) {
      requests.push({ op: 'encrypt', req: req as Req });
      if (req.name !== KEY) throw grpcError(5, 'NOT_FOUND');
      const pt = checked(req.plaintext, req.plaintextCrc32c);
      const aad = checked(req.additionalAuthenticatedData, req.additionalAuthenticatedDataCrc32c);
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', master, iv).setAAD(aad);
      const ciphertext = Buffer.concat([iv, c.update(pt), c.final(), c.getAuthTag()]);
      const res: Record<string, unknown> = {
        name: `${KEY}/cryptoKeyVersions/1`, ciphertext, ciphertextCrc32c: { value: String(crc32c(ciphertext)) },
        verifiedPlaintextCrc32c: true, verifiedAdditionalAuthenticatedDataCrc32c: true,
      };
      tamper?.(res);
      return [res];
    },
    async decrypt(req) {
      requests.push({ op: 'decrypt', req: req as Req });
      const ct = checked(req.ciphertext, req.ciphertextCrc32c);
      const aad = checked(req.additionalAuthenticatedData, req.additionalAuthenticatedDataCrc32c);
      try {
        const d = createDecipheriv('aes-256-gcm', master, ct.subarray(0, 12)).setAAD(aad);
        d.setAuthTag(ct.subarray(-16));
        const plaintext = Buffer.concat([d.update(ct.subarray(12, -16)), d.final()]);
        const res: Record<string, unknown> = { plaintext, plaintextCrc32c: { value: String(crc32c(plaintext)) } };
        tamper?.(res);
        return [res];
      } catch {
        throw grpcError(3, 'Decryption failed: the ciphertext is invalid.');
      }
    },
  };
  return { client, requests, tamperWith: (fn?: (res: Record<string, unknown>) => void) => void (tamper = fn) };
}

test('crc32c matches the RFC 3720 check value', () => {
  expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
});

describe('cloudKmsSealer (Cloud KMS mocked at the client: no emulator)', () => {
  test('encrypts under the configured CryptoKey with the context as AAD and CRC32C both ways', async () => {
    const kms = fakeCloudKms();
    const s = cloudKmsSealer({ keyName: KEY, client: kms.client });
    const sealed = await s.seal('whsec_abc', ctx);
    expect(sealed).toMatch(/^v1\.gcp-kms\.[\w-]+$/);
    expect(await cloudKmsSealer({ keyName: KEY, client: kms.client }).open(sealed, ctx)).toBe('whsec_abc');

    const [enc, dec] = kms.requests;
    expect(enc!.req.name).toBe(KEY);
    expect(dec!.req.name).toBe(KEY);
    expect(JSON.parse(Buffer.from(enc!.req.additionalAuthenticatedData as Uint8Array).toString())).toEqual(
      ['secorch-sealer', 'v1', 'gcp-kms', [['subscription', 'sub-1']]],
    );
    expect(enc!.req.plaintextCrc32c).toEqual({ value: crc32c(Buffer.from('whsec_abc')) });
    expect(dec!.req.ciphertextCrc32c).toBeDefined();
    expect(dec!.req.additionalAuthenticatedDataCrc32c).toEqual(enc!.req.additionalAuthenticatedDataCrc32c);
  });

  test('wrong context or tampered ciphertext: unseal_failed, not retryable', async () => {
    const kms = fakeCloudKms();
    const s = cloudKmsSealer({ keyName: KEY, client: kms.client });
    const sealed = await s.seal('whsec_abc', ctx);
    const rejected = { code: 'unseal_failed', retryable: false, expose: false, extra: { reason: 'rejected' } };
    await expect(s.open(sealed, { subscription: 'sub-2' })).rejects.toMatchObject(rejected);
    const ct = Buffer.from(sealed.split('.')[2]!, 'base64url');
    ct[20]! ^= 1;
    await expect(s.open(`v1.gcp-kms.${ct.toString('base64url')}`, ctx)).rejects.toMatchObject(rejected);
    await expect(s.open(sealed.replace('gcp-kms', 'aws-kms'), ctx)).rejects.toMatchObject({ extra: { reason: 'wrong_provider' } });
  });

  test('a response that fails its checksums is a retryable integrity failure', async () => {
    const kms = fakeCloudKms();
    const s = cloudKmsSealer({ keyName: KEY, client: kms.client });
    const sealed = await s.seal('whsec_abc', ctx);
    const integrity = { retryable: true, extra: { reason: 'integrity' } };
    kms.tamperWith((res) => void (res.verifiedPlaintextCrc32c = false));
    await expect(s.seal('whsec_abc', ctx)).rejects.toMatchObject({ code: 'seal_failed', ...integrity });
    kms.tamperWith((res) => void ((res.ciphertext as Buffer)[0]! ^= 1));
    await expect(s.seal('whsec_abc', ctx)).rejects.toMatchObject({ code: 'seal_failed', ...integrity });
    kms.tamperWith((res) => void ((res.plaintext as Buffer)[0]! ^= 1));
    await expect(s.open(sealed, ctx)).rejects.toMatchObject({ code: 'unseal_failed', ...integrity });
    kms.tamperWith(undefined);
    await expect(s.check()).resolves.toBeUndefined();
  });

  test('UNAVAILABLE is retryable, NOT_FOUND is not; the key name must be a CryptoKey', async () => {
    const unavailable: CloudKmsClient = { encrypt: async () => { throw grpcError(14, 'UNAVAILABLE'); }, decrypt: async () => { throw grpcError(14, 'x'); } };
    await expect(cloudKmsSealer({ keyName: KEY, client: unavailable }).seal('x', ctx)).rejects.toMatchObject({ code: 'seal_failed', retryable: true, message: 'Cloud KMS Encrypt failed (code 14)' });
    const other = `${KEY.replace('subscriptions', 'other')}`;
    await expect(cloudKmsSealer({ keyName: other, client: fakeCloudKms().client }).seal('x', ctx)).rejects.toMatchObject({ retryable: false, extra: { reason: 'kms' } });
    for (const keyName of ['', 'subscriptions', `${KEY}/cryptoKeyVersions/1`, `projects/p1/locations/l/keyRings/r`]) {
      expect(() => cloudKmsSealer({ keyName })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    }
  });
});

describe('previousKeyNames: values sealed under another CryptoKey still open (Cloud KMS mocked: no emulator)', () => {
  const OLD = 'projects/p1/locations/europe-west1/keyRings/secorch/cryptoKeys/old-subscriptions';
  /** One AES key per CryptoKey name; a ciphertext of another key fails as the service does (INVALID_ARGUMENT). */
  function keys(opts: { decryptFails?: Error } = {}) {
    const masters = new Map<string, Buffer>();
    const asked: string[] = [];
    const master = (name: string) => masters.get(name) ?? masters.set(name, randomBytes(32)).get(name)!;
    const client: CloudKmsClient = {
      async encrypt(req) {
        const iv = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', master(req.name!), iv).setAAD(Buffer.from(req.additionalAuthenticatedData as Uint8Array));
        const ciphertext = Buffer.concat([iv, c.update(Buffer.from(req.plaintext as Uint8Array)), c.final(), c.getAuthTag()]);
        return [{ ciphertext, ciphertextCrc32c: { value: String(crc32c(ciphertext)) }, verifiedPlaintextCrc32c: true, verifiedAdditionalAuthenticatedDataCrc32c: true }];
      },
      async decrypt(req) {
        asked.push(req.name!);
        if (opts.decryptFails) throw opts.decryptFails;
        const ct = Buffer.from(req.ciphertext as Uint8Array);
        try {
          const d = createDecipheriv('aes-256-gcm', master(req.name!), ct.subarray(0, 12)).setAAD(Buffer.from(req.additionalAuthenticatedData as Uint8Array));
          d.setAuthTag(ct.subarray(-16));
          const plaintext = Buffer.concat([d.update(ct.subarray(12, -16)), d.final()]);
          return [{ plaintext, plaintextCrc32c: { value: String(crc32c(plaintext)) } }];
        } catch {
          throw grpcError(3, 'Decryption failed: verify that name refers to the correct CryptoKey.');
        }
      },
    };
    return { client, asked };
  }

  test('the configured key first, then each previous one; new values are sealed under the configured key', async () => {
    const kms = keys();
    const sealed = await cloudKmsSealer({ keyName: OLD, client: kms.client }).seal('whsec_old', ctx);
    const moved = cloudKmsSealer({ keyName: KEY, previousKeyNames: [OLD], client: kms.client });
    expect(await moved.open(sealed, ctx)).toBe('whsec_old');
    expect(kms.asked).toEqual([KEY, OLD]);
    const fresh = await moved.seal('whsec_new', ctx);
    expect(await cloudKmsSealer({ keyName: KEY, client: kms.client }).open(fresh, ctx)).toBe('whsec_new');
  });

  test('without the previous key the value stays unreadable, as before; a transient failure is not taken for another key', async () => {
    const kms = keys();
    const sealed = await cloudKmsSealer({ keyName: OLD, client: kms.client }).seal('whsec_old', ctx);
    await expect(cloudKmsSealer({ keyName: KEY, client: kms.client }).open(sealed, ctx)).rejects.toMatchObject({ code: 'unseal_failed' });
    const down = keys({ decryptFails: grpcError(14, 'UNAVAILABLE') });
    await expect(cloudKmsSealer({ keyName: KEY, previousKeyNames: [OLD], client: down.client }).open(sealed, ctx)).rejects.toMatchObject({ code: 'unseal_failed', retryable: true });
    expect(down.asked).toEqual([KEY]);
  });

  test('a previous key name that is no CryptoKey name is refused at start', () => {
    expect(() => cloudKmsSealer({ keyName: KEY, previousKeyNames: ['old-subscriptions'] })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
