import { redactUrl, redactUrlPath, redactUrlsIn } from './url';

describe('redactUrl', () => {
  test.each([
    ['Teams legacy connector', 'https://contoso.webhook.office.com/webhookb2/1b2c3d4e-aaaa-bbbb-cccc-1234567890ab@72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/0123456789abcdef0123456789abcdef/1b2c3d4e-aaaa-bbbb-cccc-1234567890ab/V2abcDEF123ghiJKL456mnoPQR789',
      'https://contoso.webhook.office.com/webhookb2/[redacted]/IncomingWebhook/[redacted]/[redacted]/[redacted]'],
    ['Discord webhook', 'https://discord.com/api/webhooks/123456/abcDEF-token', 'https://discord.com/api/webhooks/123456/[redacted]'],
    ['a token as the user', 'https://ghp_abcdefghijklmnop@github.com/x', 'https://[redacted]@github.com/x'],
    ['Postgres URL', 'postgres://app:s3cr3t@db:5432/orch', 'postgres://app:[redacted]@db:5432/orch'],
    ['a fragment', 'https://app.example/cb#access_token=abc', 'https://app.example/cb#[redacted]'],
    ['a random-looking path segment', 'https://hooks.example.com/in/Zx8kLm2Qp9Rt4Vw7Yb3Nc6Hd', 'https://hooks.example.com/in/[redacted]'],
    ['unparseable', 'http://[bad/?sig=abc', 'http://[bad/?[redacted]'],
  ])('%s', (_, url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  test('a token after a hooks or webhook segment, whatever its case: Mattermost, Rocket.Chat, n8n incoming webhooks', () => {
    expect(redactUrl('https://chat.example.com/hooks/xk5iy8dsnfrgd8udrpo9x4ha7e')).toBe('https://chat.example.com/hooks/[redacted]');
    expect(redactUrl('https://rocket.example.com/hooks/6548f2b0c3a1d90012ab34cd/pQz8e9rXk2LmN4vB7tY1wS5uH3jF6gD0aE2cR8iK9oPlMnBvCxZaQs'))
      .toBe('https://rocket.example.com/hooks/[redacted]/[redacted]');
    expect(redactUrl('https://n8n.example.com/webhook/3f2a9c1e-7b4d-4e8a-9c0f-1d2e3f4a5b6c')).toBe('https://n8n.example.com/webhook/[redacted]');
    // As connector errors name a path (shared/connectors/send.ts): a REST destination posting to one.
    expect(redactUrlPath('chat.example.com', '/hooks/xk5iy8dsnfrgd8udrpo9x4ha7e')).toBe('/hooks/[redacted]');
    // Short names after it, and ids elsewhere, stay.
    expect(redactUrl('https://api.example.com/webhooks/github')).toBe('https://api.example.com/webhooks/github');
    expect(redactUrlPath('acme.atlassian.net', '/rest/webhooks/1.0/webhook/123')).toBe('/rest/webhooks/1.0/webhook/123');
  });

  test('identifiers in paths stay readable', () => {
    expect(redactUrlPath('acme.atlassian.net', '/rest/api/3/issue/SEC-12')).toBe('/rest/api/3/issue/SEC-12');
    expect(redactUrlPath('acme.okta.com', '/api/v1/users/00ub0oNGTSWTBKOLGLNR/lifecycle/suspend')).toBe('/api/v1/users/00ub0oNGTSWTBKOLGLNR/lifecycle/suspend');
    expect(redactUrlPath('x.service-now.com', '/api/now/table/incident/6816f79cc0a8016401c5a33be04be441')).toBe('/api/now/table/incident/6816f79cc0a8016401c5a33be04be441');
    expect(redactUrlPath('graph.microsoft.com', '/v1.0/users/1b2c3d4e-aaaa-bbbb-cccc-1234567890ab')).toBe('/v1.0/users/1b2c3d4e-aaaa-bbbb-cccc-1234567890ab');
  });

  test('URLs inside text keep the prose around them', () => {
    expect(redactUrlsIn('GET https://a.example/x?token=abc. failed (see https://b.example/y?code=1), retry'))
      .toBe('GET https://a.example/x?token=[redacted]. failed (see https://b.example/y?code=[redacted]), retry');
    expect(redactUrlsIn('no address here')).toBe('no address here');
  });
});
