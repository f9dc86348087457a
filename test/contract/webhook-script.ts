import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { fixtureBytes } from '../fixtures';
import { githubHeaders } from '../support/sign';

/**
 * The cross-cloud webhook contract: one scripted sequence of deliveries that every adapter (AWS
 * REST v1 and HTTP API v2, Azure, GCP, local serverless-offline) must answer with the same
 * status, body and published events as the portable handler called directly.
 */
export const GITHUB_SECRET = 'contract-github-secret';
export const RAW_SECRET = 'contract-raw-secret';
export const WHSEC = `whsec_${Buffer.from('contract-standard-webhooks-key-32').toString('base64')}`;

export const contractConfig = {
  sources: {
    github: { verify: { scheme: 'github', secret: GITHUB_SECRET }, mapper: 'github' },
    small: { verify: { scheme: 'github', secret: GITHUB_SECRET }, maxBodyBytes: 256 },
    sw: { verify: { scheme: 'standard-webhooks', secret: WHSEC } },
    raw: { verify: { scheme: 'hmac', secret: RAW_SECRET, header: 'X-Signature', prefix: 'sha256=' } },
  },
  routes: [{ name: 'everything', filter: { prefix: { type: '' } }, to: ['events-file'] }],
  destinations: { 'events-file': { type: 'file', path: '${SECORCH_DATA_DIR}/events.jsonl' } },
};

export interface Step {
  name: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Answer {
  status: number;
  contentType: string | null;
  body: Buffer;
}

export interface Outcome {
  step: string;
  status: number;
  contentType: string | null;
  body: unknown;
  /** What the delivery published. */
  events: CloudEvent[];
  /** Reasons of the audit events of a rejection (their client address differs by platform). */
  audits: string[];
}

const gh = (name: string, fixture: string, event: string, delivery: string): Step => {
  const body = fixtureBytes(`events/${fixture}`);
  return { name, path: '/webhooks/github', body, headers: githubHeaders(GITHUB_SECRET, body, event, delivery) };
};

/** The script; `now` is the transport's clock (epoch ms), for timestamped schemes. */
export function contractSteps(now: number): Step[] {
  const codeScanning = gh('code scanning alert created', 'github-code_scanning_alert-created.payload.json', 'code_scanning_alert', 'c-1');
  const tampered = Buffer.from(codeScanning.body);
  tampered[30] = tampered[30]! ^ 1;
  const swBody = Buffer.from('{"type":"scan.completed","data":{"target":"registry/app:1.2.3","critical":2}}');
  const swHeaders = (id: string, at: number) => ({
    'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at / 1000)),
    'webhook-signature': new Webhook(WHSEC).sign(id, new Date(at), swBody.toString()),
  });
  const malformed = Buffer.from('{"action": "created", ');
  const big = Buffer.from(JSON.stringify({ pad: 'x'.repeat(400) }));
  const binary = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x80, 0x7d]);
  return [
    codeScanning,
    { ...codeScanning, name: 'the same delivery again' },
    { ...codeScanning, name: 'one byte changed', body: tampered, headers: { ...codeScanning.headers, 'x-github-delivery': 'c-2' } },
    { ...codeScanning, name: 'no signature', headers: { 'content-type': 'application/json', 'x-github-delivery': 'c-3' } },
    { ...codeScanning, name: 'unknown source', path: '/webhooks/unknown' },
    { name: 'body over the source limit', path: '/webhooks/small', body: big, headers: githubHeaders(GITHUB_SECRET, big, 'ping', 'c-4') },
    { name: 'malformed JSON, signed', path: '/webhooks/github', body: malformed, headers: githubHeaders(GITHUB_SECRET, malformed, 'code_scanning_alert', 'c-5') },
    gh('ping (no mapper knows it)', 'github-ping.payload.json', 'ping', 'c-6'),
    gh('dependabot alert created', 'github-dependabot_alert-created.payload.json', 'dependabot_alert', 'c-7'),
    gh('secret scanning alert reopened', 'github-secret_scanning_alert-reopened.payload.json', 'secret_scanning_alert', 'c-8'),
    { name: 'standard webhooks', path: '/webhooks/sw', body: swBody, headers: swHeaders('msg_c9', now) },
    { name: 'standard webhooks, 10 minutes old', path: '/webhooks/sw', body: swBody, headers: swHeaders('msg_c10', now - 600_000) },
    {
      name: 'non-UTF-8 bytes as application/octet-stream (verified, then 415)', path: '/webhooks/raw', body: binary,
      headers: { 'content-type': 'application/octet-stream', 'x-signature': `sha256=${createHmac('sha256', RAW_SECRET).update(binary).digest('hex')}` },
    },
  ];
}

/** Runs the script through one transport; `published` returns the events published since its last call. */
export async function runScript(steps: Step[], send: (s: Step) => Promise<Answer>, published: (answer: Answer) => Promise<CloudEvent[]>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const step of steps) {
    const answer = await send(step);
    const text = answer.body.toString('utf8');
    const json = /json/.test(answer.contentType ?? '') ? JSON.parse(text) : text;
    const all = await published(answer);
    const isAudit = (e: CloudEvent) => e.type.startsWith('secorch.audit.');
    const audits = all.filter(isAudit).map((e) => (e.data as { reason: string }).reason);
    outcomes.push({ step: step.name, status: answer.status, contentType: answer.contentType, body: json, events: all.filter((e) => !isAudit(e)), audits });
  }
  return outcomes;
}
