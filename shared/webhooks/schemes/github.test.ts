import { createHmac } from 'node:crypto';
import { fixtureBytes } from '../../../test/fixtures';
import { AppError } from '../../errors';
import type { VerifyInput } from '../types';
import { githubVerifier } from './github';

// A real GitHub delivery body (see ../shared/fixtures/SOURCES.md), signed here as GitHub does.
const body = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
const SECRET = 'gh-webhook-secret';
const sign = (bytes: Uint8Array, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(bytes).digest('hex')}`;

const input = (signature: string | undefined, bytes: Uint8Array = body): VerifyInput => {
  const headers = new Headers({ 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x-github-event': 'code_scanning_alert' });
  if (signature !== undefined) headers.set('X-Hub-Signature-256', signature);
  return { headers, body: bytes, url: 'https://hooks.example.com/webhooks/github', now: 1_700_000_000_000 };
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status).toBe(401);
    return (e as AppError).code;
  }
  throw new Error('expected the verifier to reject');
}

describe('github verifier', () => {
  const verify = githubVerifier({ scheme: 'github', secret: SECRET });

  it('accepts the published GitHub example; without a delivery id the signature is the replay key', () => {
    // Test vector from https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
    const v = githubVerifier({ scheme: 'github', secret: "It's a Secret to Everybody" });
    const sig = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    const req = { ...input(sig, Buffer.from('Hello, World!')), headers: new Headers({ 'x-hub-signature-256': sig }) };
    expect(v(req)).toEqual({ deliveryId: undefined, event: undefined, signature: sig.slice('sha256='.length) });
  });

  it('accepts a valid signature and returns the delivery id and event', () => {
    expect(verify(input(sign(body)))).toEqual({ deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', event: 'code_scanning_alert', signature: sign(body).slice('sha256='.length) });
  });

  it('rejects a body with one byte changed', () => {
    const tampered = Buffer.from(body);
    tampered[100] = tampered[100]! ^ 0x01;
    expect(codeOf(() => verify(input(sign(body), tampered)))).toBe('signature_invalid');
  });

  it('needs the header', () => {
    expect(codeOf(() => verify(input(undefined)))).toBe('signature_missing');
    expect(codeOf(() => verify(input('')))).toBe('signature_missing');
  });

  it.each([
    ['no sha256= prefix', sign(body).slice(7)],
    ['the SHA-1 form', `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`],
    ['trailing garbage after a valid digest', `${sign(body)}zz`],
    ['a truncated digest', sign(body).slice(0, -2)],
    ['the wrong secret', sign(body, 'other')],
  ])('rejects %s', (_, sig) => {
    expect(codeOf(() => verify(input(sig)))).toBe('signature_invalid');
  });

  it('accepts every secret of a rotation and nothing else', () => {
    const rotating = githubVerifier({ scheme: 'github', secrets: ['old-secret', 'new-secret'] });
    expect(rotating(input(sign(body, 'old-secret'))).event).toBe('code_scanning_alert');
    expect(rotating(input(sign(body, 'new-secret'))).event).toBe('code_scanning_alert');
    expect(codeOf(() => rotating(input(sign(body, 'third-secret'))))).toBe('signature_invalid');
  });

  it('never puts the secret or the expected signature in the error', () => {
    try {
      verify(input(sign(body, 'wrong')));
    } catch (e) {
      const text = JSON.stringify({ m: (e as Error).message, x: (e as AppError).extra });
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(sign(body).slice(7));
      return;
    }
    throw new Error('expected a rejection');
  });
});
