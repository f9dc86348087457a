import * as z from 'zod/mini';
import type { SchemeEnv } from '../../scheme';
import { buildScheme } from '../../registry';
import { vendorVerifySchemas } from './config';
import { vendorSchemes } from './index';
import { input } from './test-kit';

const schema = z.discriminatedUnion('scheme', [...vendorVerifySchemas]);
const parse = (v: unknown) => z.safeParse(schema, v);
const NAMES = ['stripe', 'slack', 'shopify', 'twilio', 'pagerduty', 'zendesk', 'sentry', 'jira', 'gitlab'];
const env = {} as SchemeEnv; // the vendor schemes use no outbound HTTP, clock or logger

describe('vendor scheme configuration', () => {
  it('has one schema and one builder per scheme', () => {
    expect(vendorVerifySchemas.map((s) => s.shape.scheme.def.values[0])).toEqual(NAMES);
    expect(Object.keys(vendorSchemes).sort()).toEqual([...NAMES].sort());
  });

  it.each(NAMES)('%s: accepts secret or secrets and builds a scheme with a verifier', (name) => {
    expect(parse({ scheme: name, secret: 's3cret' }).success).toBe(true);
    const config = parse({ scheme: name, secrets: ['old', 'new'] });
    expect(config.success).toBe(true);
    const scheme = vendorSchemes[name]!(config.data as never, env);
    expect(typeof scheme.verify).toBe('function');
    expect(scheme.reply !== undefined).toBe(name === 'slack');
  });

  it.each(NAMES)('%s: refuses unknown keys and refuses to build without a secret', (name) => {
    expect(parse({ scheme: name, secret: 's', extra: 1 }).success).toBe(false);
    expect(parse({ scheme: name, secrets: [] }).success).toBe(false);
    expect(() => vendorSchemes[name]!({ scheme: name } as never, env)).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });

  it.each<[string, Record<string, unknown>, boolean]>([
    ['stripe', { toleranceSeconds: 600 }, true],
    ['stripe', { toleranceSeconds: 0 }, false],
    ['slack', { toleranceSeconds: 1.5 }, false],
    ['zendesk', { toleranceSeconds: 120 }, true],
    ['shopify', { header: 'Shopify-Hmac-Sha256', idHeader: 'Shopify-Webhook-Id' }, true],
    ['shopify', { header: 'not a header' }, false],
    ['twilio', { url: 'https://hooks.example.com/webhooks/twilio' }, true],
    ['twilio', { url: 'ftp://hooks.example.com/x' }, false],
    ['twilio', { url: 'hooks.example.com/x' }, false],
    ['pagerduty', { toleranceSeconds: 300 }, false],
    ['gitlab', { header: 'X-Other' }, false],
  ])('%s with %j: valid %s', (name, extra, valid) => {
    expect(parse({ scheme: name, secret: 's', ...extra }).success).toBe(valid);
  });

  it('is dispatched by the registry (buildScheme) like every scheme group', () => {
    const scheme = buildScheme({ scheme: 'gitlab', secret: 'tok' }, env);
    expect(scheme.verify(input({ 'X-Gitlab-Token': 'tok', 'X-Gitlab-Event-UUID': 'u-1' }, '{}'))).toEqual({ deliveryId: 'u-1', event: undefined });
  });
});
