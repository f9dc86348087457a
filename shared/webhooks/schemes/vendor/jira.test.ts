import { createHmac } from 'node:crypto';
import { sign, verify } from '@octokit/webhooks-methods';
import { fixtureBytes } from '../../../../test/fixtures';
import { jiraVerifier } from './jira';
import { codeOf, errorText, flipByte, flipChar, input } from './test-kit';

// Jira Cloud signs admin webhooks as WebSub/GitHub do: X-Hub-Signature: sha256=<hex HMAC-SHA256>
// (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks). The
// oracle is @octokit/webhooks-methods, which produces and checks exactly that header form.
const SECRET = 'jira-generated-secret-Qm9vS2VlcGVy';
const text = fixtureBytes('events/github-secret_scanning_alert-reopened.payload.json').toString('utf8');
const body = Buffer.from(text);
const ID = '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d';
const headers = (sig?: string): Record<string, string> => ({
  'X-Atlassian-Webhook-Identifier': ID, 'X-Atlassian-Webhook-Flow': 'Primary', ...(sig === undefined ? {} : { 'X-Hub-Signature': sig }),
});
const ours = jiraVerifier({ scheme: 'jira', secret: SECRET });
const run = (h: Record<string, string>, bytes: Buffer = body, v = ours) => codeOf(() => v(input(h, bytes)));

describe('jira verifier', () => {
  it('accepts what @octokit/webhooks-methods signs, with X-Atlassian-Webhook-Identifier', async () => {
    const sig = await sign(SECRET, text);
    expect(await verify(SECRET, text, sig)).toBe(true);
    expect(ours(input(headers(sig), body))).toEqual({ deliveryId: ID, signature: sig.slice('sha256='.length) });
  });

  it.each<[string, (s: string) => string, Buffer?]>([
    ['a body with one byte changed', (s) => s, flipByte(body, 300)],
    ['a signature with one hex digit changed', (s) => flipChar(s, 20)],
    ['no sha256= prefix', (s) => s.slice(7)],
    ['the SHA-1 form (Atlassian documents sha256 only)', () => `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`],
    ['trailing junk', (s) => `${s}zz`],
  ])('rejects, like octokit, %s', async (_, change, bytes = body) => {
    const sig = change(await sign(SECRET, text));
    expect(await verify(SECRET, bytes.toString('utf8'), sig)).toBe(false);
    expect(run(headers(sig), bytes)).toBe('signature_invalid');
  });

  it('rejects the wrong secret and a missing header', async () => {
    expect(run(headers(await sign('other', text)))).toBe('signature_invalid');
    expect(run(headers())).toBe('signature_missing');
  });

  it('accepts every configured secret of a rotation and nothing else', async () => {
    const rotating = jiraVerifier({ scheme: 'jira', secrets: ['old', SECRET] });
    expect(run(headers(await sign('old', text)), body, rotating)).toBe('accepted');
    expect(run(headers(await sign(SECRET, text)), body, rotating)).toBe('accepted');
    expect(run(headers(await sign('third', text)), body, rotating)).toBe('signature_invalid');
  });

  it('never puts the secret or the expected signature in the error', async () => {
    const expected = (await sign(SECRET, text)).slice(7);
    const msg = errorText(() => ours(input(headers(`sha256=${'0'.repeat(64)}`), body)));
    expect(msg).not.toContain(SECRET);
    expect(msg).not.toContain(expected);
  });
});
