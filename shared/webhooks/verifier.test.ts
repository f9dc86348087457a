import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { fixtureBytes } from '../../test/fixtures';
import { compileConfig } from '../config/compile';
import { AppError } from '../errors';
import { buildVerifier } from './index';
import type { BasicVerifyConfig } from './verifier';

const body = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
const NOW = 1_700_000_000_000;
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

// Verify configs as the product gets them: through the schema, defaults applied, ${ENV} resolved.
const config = compileConfig(
  {
    sources: {
      gh: { verify: { scheme: 'github', secret: '${GH_SECRET}' } },
      sw: { verify: { scheme: 'standard-webhooks', secrets: [SW_SECRET] } },
      mac: { verify: { scheme: 'hmac', secret: 'plain', header: 'X-Sig', prefix: 'sha256=' } },
    },
  },
  { GH_SECRET: 'gh-secret' },
);
const verifierOf = (id: string) => buildVerifier(config.sources[id]!.verify as BasicVerifyConfig);
const req = (h: Record<string, string>) => ({ headers: new Headers(h), body, url: 'https://x/', now: NOW });
const githubHeaders = { 'x-hub-signature-256': `sha256=${createHmac('sha256', 'gh-secret').update(body).digest('hex')}`, 'x-github-event': 'ping', 'x-github-delivery': 'g-1' };
const swHeaders = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW / 1000), 'webhook-signature': new Webhook(SW_SECRET).sign('msg_1', new Date(NOW), body) };

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
};

describe('buildVerifier', () => {
  it('picks the github scheme', () => {
    expect(verifierOf('gh')(req(githubHeaders))).toEqual({ deliveryId: 'g-1', event: 'ping', signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(codeOf(() => verifierOf('gh')(req(swHeaders)))).toBe('signature_missing');
  });

  it('picks the standard-webhooks scheme', () => {
    expect(verifierOf('sw')(req(swHeaders))).toEqual({ deliveryId: 'msg_1', toleranceSeconds: 300 });
    expect(codeOf(() => verifierOf('sw')(req(githubHeaders)))).toBe('signature_missing');
  });

  it('picks the hmac scheme with the schema defaults (sha256, hex, {body})', () => {
    const sig = `sha256=${createHmac('sha256', 'plain').update(body).digest('hex')}`;
    expect(verifierOf('mac')(req({ 'x-sig': sig }))).toEqual({ signature: sig.slice('sha256='.length) });
    expect(codeOf(() => verifierOf('mac')(req({ 'x-sig': sig.slice(7) })))).toBe('signature_invalid');
  });

  it('refuses a config without any secret', () => {
    expect(() => buildVerifier({ scheme: 'github' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
