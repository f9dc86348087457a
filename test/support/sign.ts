import { createHmac } from 'node:crypto';

/** Signs like GitHub does: X-Hub-Signature-256 = sha256=HMAC-SHA256(secret, raw body) in hex. */
export function githubHeaders(secret: string, body: Uint8Array | string, event: string, delivery: string): Record<string, string> {
  const sig = createHmac('sha256', secret).update(body).digest('hex');
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': `sha256=${sig}`,
    'user-agent': 'GitHub-Hookshot/test',
  };
}
