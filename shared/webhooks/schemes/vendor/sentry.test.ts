import { createHmac } from 'node:crypto';
import { sentryVerifier } from './sentry';
import { codeOf, errorText, flipByte, flipChar, input, NOW_S } from './test-kit';

// Sentry publishes no vector. The oracle is the doc's own sample ("Verifying the Signature",
// https://docs.sentry.io/organization/integrations/integration-platform/webhooks/):
// hmac.update(JSON.stringify(request.body), "utf8") then digest("hex"), on the parsed body.
const docSign = (raw: string, secret: string) => createHmac('sha256', secret).update(JSON.stringify(JSON.parse(raw)), 'utf8').digest('hex');
// ...and Sentry's server, which signs the exact string it sends (SentryApp.build_signature(body)).
const serverSign = (raw: string, secret: string) => createHmac('sha256', secret).update(raw, 'utf8').digest('hex');

const SECRET = '4d9b8f1e2c3a5b6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f';
// Compact JSON as Sentry sends it (sentry.utils.json.dumps has no spaces).
const body = JSON.stringify({
  action: 'created', installation: { uuid: '7a485448-a9e2-4c85-8a3c-4f44175783c9' },
  data: { issue: { id: '1170820242', shortId: 'API-1', title: 'ZeroDivisionError: division by zero', level: 'error', status: 'unresolved' } },
  actor: { type: 'application', id: 'sentry', name: 'Sentry' },
});
const REQUEST_ID = 'c5b7b1b6e8f44f5e8d1f0a6b2e3c4d5f';
const headers = (sig?: string): Record<string, string> => ({
  'Content-Type': 'application/json', 'Request-ID': REQUEST_ID, 'Sentry-Hook-Resource': 'issue',
  'Sentry-Hook-Timestamp': String(NOW_S), ...(sig === undefined ? {} : { 'Sentry-Hook-Signature': sig }),
});
const ours = sentryVerifier({ scheme: 'sentry', secret: SECRET });
const run = (h: Record<string, string>, bytes: string | Buffer = body, verify = ours) => codeOf(() => verify(input(h, bytes)));

describe('sentry verifier', () => {
  it("accepts the doc sample's signature, with Request-ID and Sentry-Hook-Resource", () => {
    expect(docSign(body, SECRET)).toBe(serverSign(body, SECRET));
    expect(ours(input(headers(docSign(body, SECRET)), body))).toEqual({ deliveryId: REQUEST_ID, event: 'issue', signature: docSign(body, SECRET) });
  });

  it('verifies the raw bytes, which is what Sentry signs, where a re-serialization would differ', () => {
    const spaced = '{"action": "created", "data": {"issue": {"id": "1", "title": "caf\\u00e9"}}}';
    expect(docSign(spaced, SECRET)).not.toBe(serverSign(spaced, SECRET));
    expect(run(headers(serverSign(spaced, SECRET)), spaced)).toBe('accepted');
    expect(run(headers(docSign(spaced, SECRET)), spaced)).toBe('signature_invalid');
  });

  it.each<[string, string, (string | Buffer)?]>([
    ['a body with one byte changed', serverSign(body, SECRET), flipByte(body, 20)],
    ['a signature with one hex digit changed', flipChar(serverSign(body, SECRET), 7)],
    ['the wrong client secret', serverSign(body, 'other')],
    ['a sha256= prefix', `sha256=${serverSign(body, SECRET)}`],
    ['trailing junk', `${serverSign(body, SECRET)}00`],
  ])('rejects %s', (_, sig, bytes = body) => {
    expect(run(headers(sig), bytes)).toBe('signature_invalid');
  });

  it('needs the header', () => {
    expect(run(headers())).toBe('signature_missing');
  });

  it('does not judge the unsigned Sentry-Hook-Timestamp', () => {
    const old = { ...headers(serverSign(body, SECRET)), 'Sentry-Hook-Timestamp': String(NOW_S - 86_400) };
    expect(run(old)).toBe('accepted');
    expect(ours(input(old, body)).toleranceSeconds).toBeUndefined();
  });

  it('accepts the old and the new client secret during a rotation, and nothing else', () => {
    const rotating = sentryVerifier({ scheme: 'sentry', secrets: ['old', SECRET] });
    expect(run(headers(serverSign(body, 'old')), body, rotating)).toBe('accepted');
    expect(run(headers(serverSign(body, SECRET)), body, rotating)).toBe('accepted');
    expect(run(headers(serverSign(body, 'third')), body, rotating)).toBe('signature_invalid');
  });

  it('never puts the secret or the expected signature in the error', () => {
    const text = errorText(() => ours(input(headers('0'.repeat(64)), body)));
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(serverSign(body, SECRET));
  });
});
