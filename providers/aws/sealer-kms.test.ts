import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  DecryptCommand, GenerateDataKeyCommand, IncorrectKeyException, InvalidCiphertextException, KMSClient, KMSInternalException, NotFoundException,
} from '@aws-sdk/client-kms';
import { kmsSealer } from './sealer-kms';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ctx = { subscription: 'sub-1', tenant: 't-1' };

/**
 * aws-sdk-client-mock is not installed, so the client is a fake `send` that behaves like KMS for
 * the two commands: the data key is encrypted under a master key with the key id and the
 * canonical EncryptionContext as AAD, so Decrypt fails like KMS does on any mismatch.
 */
function fakeKms() {
  const master = randomBytes(32);
  const calls: (GenerateDataKeyCommand | DecryptCommand)[] = [];
  const aad = (keyId: string, c: Record<string, string> = {}) =>
    Buffer.from(JSON.stringify([keyId, Object.keys(c).sort().map((k) => [k, c[k]])]));
  const invalid = () => new InvalidCiphertextException({ message: 'InvalidCiphertextException', $metadata: {} });
  // A ciphertext names its key (KMS keeps that in the blob): Decrypt under another one is refused.
  const owner = new Map<string, string>();
  let fail: Error | undefined;
  const send = async (command: unknown) => {
    if (fail) throw fail;
    if (command instanceof GenerateDataKeyCommand) {
      calls.push(command);
      const { KeyId, EncryptionContext } = command.input;
      const key = randomBytes(32);
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', master, iv).setAAD(aad(KeyId!, EncryptionContext));
      const blob = Buffer.concat([iv, c.update(key), c.final(), c.getAuthTag()]);
      owner.set(blob.toString('base64'), KeyId!);
      return { KeyId: KeyId, Plaintext: new Uint8Array(key), CiphertextBlob: new Uint8Array(blob) };
    }
    if (command instanceof DecryptCommand) {
      calls.push(command);
      const { KeyId, EncryptionContext, CiphertextBlob } = command.input;
      const blob = Buffer.from(CiphertextBlob!);
      const by = owner.get(blob.toString('base64'));
      if (by !== undefined && by !== KeyId) throw new IncorrectKeyException({ message: 'IncorrectKeyException', $metadata: {} });
      try {
        const d = createDecipheriv('aes-256-gcm', master, blob.subarray(0, 12)).setAAD(aad(KeyId!, EncryptionContext));
        d.setAuthTag(blob.subarray(-16));
        return { KeyId, Plaintext: new Uint8Array(Buffer.concat([d.update(blob.subarray(12, -16)), d.final()])) };
      } catch {
        throw invalid();
      }
    }
    throw new Error(`unexpected command ${String(command)}`);
  };
  return { client: { send } as unknown as KMSClient, calls, failWith: (e?: Error) => void (fail = e) };
}

describe('kmsSealer (KMS mocked at the SDK: no emulator)', () => {
  test('GenerateDataKey AES_256 under the configured key, with the context as EncryptionContext; Decrypt opens it', async () => {
    const kms = fakeKms();
    const s = kmsSealer({ keyId: KEY_ARN, client: kms.client });
    const sealed = await s.seal('whsec_abc', ctx);
    expect(sealed).toMatch(/^v1\.aws-kms\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('whsec_abc');
    expect(await s.open(sealed, { tenant: 't-1', subscription: 'sub-1' })).toBe('whsec_abc');

    expect(kms.calls.map((c) => c.constructor.name)).toEqual(['GenerateDataKeyCommand', 'DecryptCommand']);
    expect(kms.calls[0]!.input).toEqual({ KeyId: KEY_ARN, KeySpec: 'AES_256', EncryptionContext: ctx });
    expect(kms.calls[1]!.input).toMatchObject({ KeyId: KEY_ARN, EncryptionContext: ctx });
  });

  test('another instance with the same key opens it; each seal uses a fresh data key', async () => {
    const kms = fakeKms();
    const a = await kmsSealer({ keyId: KEY_ARN, client: kms.client }).seal('same', ctx);
    const b = await kmsSealer({ keyId: KEY_ARN, client: kms.client }).seal('same', ctx);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(await kmsSealer({ keyId: KEY_ARN, client: kms.client }).open(a, ctx)).toBe('same');
  });

  test('wrong context, another configured key or a tampered value: unseal_failed, not retryable', async () => {
    const kms = fakeKms();
    const s = kmsSealer({ keyId: KEY_ARN, client: kms.client });
    const sealed = await s.seal('whsec_abc', ctx);
    const rejected = { code: 'unseal_failed', status: 500, retryable: false, expose: false, extra: { reason: 'rejected' } };
    await expect(s.open(sealed, { ...ctx, subscription: 'sub-2' })).rejects.toMatchObject(rejected);
    await expect(kmsSealer({ keyId: 'alias/other', client: kms.client }).open(sealed, ctx)).rejects.toMatchObject(rejected);

    const parts = sealed.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0]! ^= 1;
    parts[4] = ct.toString('base64url');
    await expect(s.open(parts.join('.'), ctx)).rejects.toMatchObject(rejected); // KMS is fine, GCM refuses
    await expect(s.open(sealed.replace('aws-kms', 'gcp-kms'), ctx)).rejects.toMatchObject({ extra: { reason: 'wrong_provider' } });
  });

  test('after the key changed (an alias re-pointed), values sealed under the previous key open through previousKeyIds; new ones use keyId', async () => {
    const kms = fakeKms();
    const OLD = 'arn:aws:kms:eu-west-1:111122223333:key/old';
    const sealedBefore = await kmsSealer({ keyId: OLD, client: kms.client }).seal('whsec_old', ctx);
    const rejected = { code: 'unseal_failed', retryable: false, extra: { reason: 'rejected' } };
    await expect(kmsSealer({ keyId: KEY_ARN, client: kms.client }).open(sealedBefore, ctx)).rejects.toMatchObject(rejected);
    const s = kmsSealer({ keyId: KEY_ARN, previousKeyIds: ['arn:aws:kms:eu-west-1:111122223333:key/older', OLD], client: kms.client });
    kms.calls.length = 0;
    expect(await s.open(sealedBefore, ctx)).toBe('whsec_old');
    expect(kms.calls.map((c) => c.input.KeyId)).toEqual([KEY_ARN, 'arn:aws:kms:eu-west-1:111122223333:key/older', OLD]);
    kms.calls.length = 0;
    const sealedNow = await s.seal('whsec_new', ctx);
    expect(await s.open(sealedNow, ctx)).toBe('whsec_new');
    expect(kms.calls.map((c) => c.input.KeyId)).toEqual([KEY_ARN, KEY_ARN]);
    // A wrong context is refused under every key, not retried as another key's value.
    kms.calls.length = 0;
    await expect(s.open(sealedBefore, { ...ctx, tenant: 't-2' })).rejects.toMatchObject(rejected);
    expect(kms.calls.map((c) => c.input.KeyId)).toEqual([KEY_ARN, 'arn:aws:kms:eu-west-1:111122223333:key/older', OLD]);
  });

  test('KMS failures: server faults are retryable, a missing key is not; messages name only the error', async () => {
    const kms = fakeKms();
    const s = kmsSealer({ keyId: KEY_ARN, client: kms.client });
    kms.failWith(new KMSInternalException({ message: 'boom', $metadata: {} }));
    await expect(s.seal('whsec_abc', ctx)).rejects.toMatchObject({ code: 'seal_failed', retryable: true, message: 'KMS GenerateDataKey failed (KMSInternalException)' });
    kms.failWith(new NotFoundException({ message: `Key '${KEY_ARN}' does not exist`, $metadata: {} }));
    await expect(s.seal('whsec_abc', ctx)).rejects.toMatchObject({ code: 'seal_failed', retryable: false, extra: { reason: 'kms' } });
    kms.failWith(undefined);
    await expect(s.check()).resolves.toBeUndefined();
  });

  test('the key id is required', () => {
    expect(() => kmsSealer({ keyId: '' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
