import { gitlabVerifier } from './gitlab';
import { codeOf, errorText, flipChar, input } from './test-kit';

// GitLab sends the configured secret token itself in X-Gitlab-Token ("Secret token",
// https://docs.gitlab.com/user/project/integrations/webhooks/); the delivery headers below are
// the doc's examples ("Delivery headers", same page).
const TOKEN = 'glwt-7Hq2xZ9vR4mK8pL3nB6cT1yW5sD0fG';
const EVENT_UUID = '13792a34-cac6-4fda-95a8-c58e00a3954e';
const IDEMPOTENCY = 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f';
const body = '{"object_kind":"push","event_name":"push","ref":"refs/heads/main"}';
const headers = (token?: string, extra: Record<string, string> = {}): Record<string, string> => ({
  'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Event-UUID': EVENT_UUID, 'X-Gitlab-Webhook-UUID': '02affd2d-2cba-4033-917d-ec22d5dc4b38',
  'X-Gitlab-Instance': 'https://gitlab.com', ...(token === undefined ? {} : { 'X-Gitlab-Token': token }), ...extra,
});
const ours = gitlabVerifier({ scheme: 'gitlab', secret: TOKEN });
const run = (h: Record<string, string>, v = ours) => codeOf(() => v(input(h, body)));

describe('gitlab verifier', () => {
  it('accepts the token, dedupes on X-Gitlab-Event-UUID and sets no signature (the token never changes)', () => {
    expect(ours(input(headers(TOKEN), body))).toEqual({ deliveryId: EVENT_UUID, event: 'Push Hook' });
  });

  it('prefers Idempotency-Key (GitLab 17.4+), the id that stays the same across retries', () => {
    expect(ours(input(headers(TOKEN, { 'Idempotency-Key': IDEMPOTENCY }), body)).deliveryId).toBe(IDEMPOTENCY);
  });

  it.each([
    ['one character changed', flipChar(TOKEN, 12)],
    ['a prefix of the token', TOKEN.slice(0, -1)],
    ['the token with a character added', `${TOKEN}x`],
    ['another case', TOKEN.toUpperCase()],
    ['the token twice', `${TOKEN}, ${TOKEN}`],
  ])('rejects %s', (_, token) => {
    expect(run(headers(token))).toBe('signature_invalid');
  });

  it('needs the header', () => {
    expect(run(headers())).toBe('signature_missing');
    expect(run(headers(''))).toBe('signature_missing');
  });

  it('accepts every configured token of a rotation and nothing else', () => {
    const rotating = gitlabVerifier({ scheme: 'gitlab', secrets: ['old-token', TOKEN] });
    expect(run(headers('old-token'), rotating)).toBe('accepted');
    expect(run(headers(TOKEN), rotating)).toBe('accepted');
    expect(run(headers('third-token'), rotating)).toBe('signature_invalid');
  });

  it('refuses to build without a token, and never echoes a token in an error', () => {
    expect(() => gitlabVerifier({ scheme: 'gitlab' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    const text = errorText(() => ours(input(headers(flipChar(TOKEN, 3)), body)));
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.slice(5));
  });
});
