import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { fixtureBytes } from '../test/fixtures';
import { githubVerifier, standardWebhooksVerifier } from '../shared/webhooks';
import { type BenchRow, measureOps, throughputRows } from './rows';

/**
 * Inbound signature verification throughput on a real GitHub delivery body (~9 KB), valid
 * signature, side by side with: the reference `standardwebhooks` library (Webhook.verify) and a
 * bare node:crypto HMAC-SHA256 + timingSafeEqual over the same signed content (no header parsing,
 * signature pre-decoded: the floor any verifier pays).
 */
const body = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_2bWnBaB6Yc3fCNNJ6yQa3lDb1Zw';

function standardWebhooks(): BenchRow[] {
  const now = Date.now();
  const ts = String(Math.floor(now / 1000));
  const lib = new Webhook(SECRET);
  const signature = lib.sign(ID, new Date(Number(ts) * 1000), body);
  const record = { 'webhook-id': ID, 'webhook-timestamp': ts, 'webhook-signature': signature };
  const input = { headers: new Headers(record), body, url: 'https://hooks.example.com/webhooks/sw', now };
  const ours = standardWebhooksVerifier({ scheme: 'standard-webhooks', secret: SECRET });
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const expected = Buffer.from(signature.slice(3), 'base64');

  const candidates = {
    ours: () => ours(input),
    standardwebhooks: () => lib.verify(body, record, { jsonParse: false }),
    'node:crypto': () => timingSafeEqual(createHmac('sha256', key).update(`${ID}.${ts}.`).update(body).digest(), expected),
  };
  assertAllAccept(candidates);
  const ops = measureOps(candidates);
  return throughputRows('verify.standard-webhooks', 'ops/s', ops.ours!, {
    standardwebhooks: ops.standardwebhooks!,
    'node:crypto': ops['node:crypto']!,
  });
}

function github(): BenchRow[] {
  const secret = 'gh-webhook-secret';
  const expected = createHmac('sha256', secret).update(body).digest();
  const headers = new Headers({
    'x-hub-signature-256': `sha256=${expected.toString('hex')}`,
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-github-event': 'code_scanning_alert',
  });
  const input = { headers, body, url: 'https://hooks.example.com/webhooks/github', now: Date.now() };
  const ours = githubVerifier({ scheme: 'github', secret });
  const candidates = {
    ours: () => ours(input),
    'node:crypto': () => timingSafeEqual(createHmac('sha256', secret).update(body).digest(), expected),
  };
  assertAllAccept(candidates);
  const ops = measureOps(candidates);
  return throughputRows('verify.github', 'ops/s', ops.ours!, { 'node:crypto': ops['node:crypto']! });
}

/** A benchmark of a verifier that rejects would measure the error path: check first. */
function assertAllAccept(candidates: Record<string, () => unknown>): void {
  for (const [name, fn] of Object.entries(candidates)) {
    if (fn() === false) throw new Error(`bench/verify: ${name} rejected the valid request`);
  }
}

export async function verifyBench(): Promise<BenchRow[]> {
  return [...standardWebhooks(), ...github()];
}
