import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { AppError } from '../errors';
import { decodeSecret, generateSecret, SECRET_PREFIX } from './secret';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
  return 'ok';
};

describe('generateSecret', () => {
  it('is whsec_ + base64 of 32 bytes taken from the injected source', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i);
    const asked: number[] = [];
    const secret = generateSecret((n) => (asked.push(n), bytes));
    expect(asked).toEqual([32]);
    expect(secret).toBe(`whsec_${Buffer.from(bytes).toString('base64')}`);
    expect(secret).toHaveLength(SECRET_PREFIX.length + 44);
    expect(decodeSecret(secret)).toEqual(Buffer.from(bytes));
  });

  it('uses only the view it is given (a slice of a larger buffer)', () => {
    const big = Buffer.alloc(64, 7);
    big.fill(1, 16, 48);
    expect(decodeSecret(generateSecret(() => big.subarray(16, 48)))).toEqual(Buffer.alloc(32, 1));
  });

  it('refuses a random source that returns the wrong number of bytes', () => {
    expect(codeOf(() => generateSecret(() => new Uint8Array(16)))).toBe('internal_error');
  });

  it('gives a key the reference library takes as is', () => {
    const secret = generateSecret(randomBytes);
    const lib = new Webhook(secret);
    // The library signs with the same key we decode: same signature from both keys.
    const ours = new Webhook(decodeSecret(secret), { format: 'raw' });
    const at = new Date(1_700_000_000_000);
    expect(lib.sign('msg_1', at, '{}')).toBe(ours.sign('msg_1', at, '{}'));
  });
});

describe('decodeSecret', () => {
  it('accepts the spec range of 24 to 64 bytes', () => {
    for (const n of [24, 32, 64]) expect(decodeSecret(`whsec_${randomBytes(n).toString('base64')}`)).toHaveLength(n);
  });

  it.each([
    ['no prefix', randomBytes(32).toString('base64')],
    ['another prefix', `whpk_${randomBytes(32).toString('base64')}`],
    ['nothing after the prefix', 'whsec_'],
    ['not base64', 'whsec_not*base64!!'],
    ['base64url', `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`],
    ['missing padding', `whsec_${randomBytes(32).toString('base64').replace(/=+$/, '')}`],
    ['non-canonical last character', `whsec_${'A'.repeat(42)}B=`],
    ['too short (23 bytes)', `whsec_${randomBytes(23).toString('base64')}`],
    ['too long (65 bytes)', `whsec_${randomBytes(65).toString('base64')}`],
    ['white space', ` whsec_${randomBytes(32).toString('base64')}`],
  ])('rejects %s with a typed error that does not echo the secret', (_, secret) => {
    let err: unknown;
    try {
      decodeSecret(secret);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'webhook_secret_invalid', status: 400, retryable: false });
    const body = secret.replace(/^\s*whsec_/, '');
    if (body.length > 4) expect((err as Error).message).not.toContain(body.slice(0, 8));
  });
});
