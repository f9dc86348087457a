import { randomBytes } from 'node:crypto';
import { AppError } from '../errors';
import { contextAad, formatSealed, gcmOpen, gcmSeal, parseSealed, sealedProvider } from './aead';

const failure = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a throw');
};

describe('sealed format v1.<provider>.<base64url parts>', () => {
  test('round trips parts and names its provider', () => {
    const parts = [randomBytes(5), Buffer.alloc(0), randomBytes(33)];
    const sealed = formatSealed('aws-kms', parts);
    expect(sealed).toMatch(/^v1\.aws-kms\.[A-Za-z0-9_-]*\.\.[A-Za-z0-9_-]+$/);
    expect(sealedProvider(sealed)).toBe('aws-kms');
    expect(parseSealed(sealed, 'aws-kms', 3)).toEqual(parts);
  });

  test('another provider, another version or a bad shape are typed, non-retryable unseal_failed', () => {
    const sealed = formatSealed('local', [Buffer.from('abc')]);
    expect(failure(() => parseSealed(sealed, 'gcp-kms', 1))).toMatchObject({
      code: 'unseal_failed', status: 500, retryable: false, expose: false, extra: { reason: 'wrong_provider' },
    });
    expect(failure(() => parseSealed(sealed.replace(/^v1/, 'v2'), 'local', 1)).extra).toEqual({ reason: 'unsupported_version' });
    for (const bad of ['', 'v1', 'v1.local', 'nope.local.YWJj', 'v1.LOCAL.YWJj', 'v1.local.YW+j', `${sealed}.YWJj`, 42 as unknown as string]) {
      expect(failure(() => parseSealed(bad, 'local', 1)).extra).toEqual({ reason: 'malformed' });
    }
  });

  test('only the canonical base64url spelling is accepted (unused trailing bits must be zero)', () => {
    expect(parseSealed('v1.local.YQ', 'local', 1)).toEqual([Buffer.from('a')]);
    expect(failure(() => parseSealed('v1.local.YR', 'local', 1)).extra).toEqual({ reason: 'malformed' }); // also decodes to "a"
  });
});

describe('context as associated data', () => {
  test('key order does not matter; different splits, values or providers never collide', () => {
    const aad = (p: string, c: Record<string, string>) => contextAad(p, c, 'seal_failed').toString('hex');
    expect(aad('local', { a: '1', b: '2' })).toBe(aad('local', { b: '2', a: '1' }));
    expect(aad('local', { a: 'b.c' })).not.toBe(aad('local', { 'a.b': 'c' }));
    expect(aad('local', { a: '1' })).not.toBe(aad('local', { a: '1 ' }));
    expect(aad('local', { a: '1' })).not.toBe(aad('memory', { a: '1' }));
    expect(aad('local', {})).not.toBe(aad('local', { '': '' }));
  });

  test('non-string values are refused with the caller\'s code', () => {
    expect(failure(() => contextAad('local', { a: 1 } as unknown as Record<string, string>, 'unseal_failed'))).toMatchObject({
      code: 'unseal_failed', extra: { reason: 'invalid_input' },
    });
    expect(failure(() => contextAad('local', null as unknown as Record<string, string>, 'seal_failed')).code).toBe('seal_failed');
  });
});

describe('AES-256-GCM', () => {
  const key = randomBytes(32);
  const aad = Buffer.from('ctx');

  test('opens what it sealed; each IV is fresh', () => {
    const a = gcmSeal(key, Buffer.from('secret'), aad);
    const b = gcmSeal(key, Buffer.from('secret'), aad);
    expect(a[0]).toHaveLength(12);
    expect(a[2]).toHaveLength(16);
    expect(a[0]).not.toEqual(b[0]);
    expect(gcmOpen(key, a, aad).toString()).toBe('secret');
  });

  test('a flipped bit anywhere, another key, other AAD or a truncated tag is refused', () => {
    const parts = gcmSeal(key, Buffer.from('secret'), aad);
    for (let i = 0; i < 3; i++) {
      const bad = parts.map((p) => Buffer.from(p));
      bad[i]![0]! ^= 1;
      expect(failure(() => gcmOpen(key, bad, aad)).code).toBe('unseal_failed');
    }
    expect(failure(() => gcmOpen(randomBytes(32), parts, aad)).extra).toEqual({ reason: 'rejected' });
    expect(failure(() => gcmOpen(key, parts, Buffer.from('other'))).extra).toEqual({ reason: 'rejected' });
    expect(failure(() => gcmOpen(key, [parts[0]!, parts[1]!, parts[2]!.subarray(0, 4)], aad)).extra).toEqual({ reason: 'malformed' });
  });
});
