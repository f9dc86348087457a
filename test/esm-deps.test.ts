import { sign } from '@octokit/webhooks-methods';
import { SignJWT } from 'jose';

test('ESM-only dependencies load under jest', async () => {
  expect(await sign('secret', 'body')).toMatch(/^sha256=[0-9a-f]{64}$/);
  expect(typeof SignJWT).toBe('function');
});
