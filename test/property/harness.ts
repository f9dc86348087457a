import { webhookIngress } from '../../functions/webhook-ingress/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../deps';
import { propertyConfig, SCHEMES } from './schemes';

/**
 * Sends requests to the in-process webhook handler and checks what holds for EVERY answer,
 * whatever the request: no 5xx, no throw, problem+json with a code for non-2xx, and the bus sees
 * a delivery event exactly when the answer is 202. Audit events (`secorch.audit.*`) are the
 * handler's record of rejections, not deliveries: they are kept apart.
 */
export const ORIGIN = 'https://hooks.example.com';
/** The fixed clock's start: 2026-01-01T00:00:00Z, whole seconds. */
export const NOW = Date.parse('2026-01-01T00:00:00Z');

/** A request as plain data, so a shrunk counterexample prints readably. */
export interface Wire {
  method: string;
  path: string;
  /** In order; a repeated name is appended (Headers joins the values with ", "). */
  headers: [string, string][];
  body?: Uint8Array;
}

export interface Outcome {
  status: number;
  code?: string;
  body: unknown;
  /** Delivery events published by this request (anything but audit events). */
  published: CloudEvent[];
  audits: CloudEvent[];
}

const isAudit = (e: CloudEvent) => e.type.startsWith('secorch.audit.');

export function toRequest(w: Wire): Request {
  const init: RequestInit = { method: w.method, headers: w.headers };
  if (w.body !== undefined) init.body = w.body as BodyInit;
  return new Request(`${ORIGIN}${w.path}`, init);
}

/** A fresh handler world: fixed clock at `now`, memory store and bus, the property config. */
export function world(now = NOW) {
  const { deps, clock, bus } = testDeps(propertyConfig, {}, now);
  let seen = 0;
  async function send(w: Wire): Promise<Outcome> {
    const res = await webhookIngress(toRequest(w), deps);
    const text = await res.text();
    const fresh = bus.events.slice(seen);
    seen = bus.events.length;
    const outcome: Outcome = { status: res.status, body: text, published: fresh.filter((e) => !isAudit(e)), audits: fresh.filter(isAudit) };
    checkAnswer(res, text, outcome);
    return outcome;
  }
  return { send, clock, deps };
}

function fail(message: string, outcome: Outcome): never {
  throw new Error(`${message}\n  answer: ${outcome.status} ${JSON.stringify(outcome.body).slice(0, 300)}\n  published: ${outcome.published.length}`);
}

/** The invariants of every answer; also parses the body into `outcome.body` / `outcome.code`. */
function checkAnswer(res: Response, text: string, outcome: Outcome): void {
  if (res.status >= 500) fail('5xx answer', outcome);
  const type = res.headers.get('content-type');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail(`body is not JSON (content-type ${type})`, outcome);
  }
  outcome.body = parsed;
  const doc = (parsed ?? {}) as Record<string, unknown>;
  if (res.status < 200 || res.status >= 300) {
    if (type !== 'application/problem+json') fail(`non-2xx with content-type ${type}`, outcome);
    if (typeof doc.code !== 'string' || doc.code === '') fail('problem without a code', outcome);
    if (doc.status !== res.status) fail('problem status differs from the HTTP status', outcome);
    if (/\bat .*\.(ts|js):\d+/.test(text)) fail('stack trace in the problem', outcome);
    outcome.code = doc.code as string;
    if (outcome.published.length > 0) fail('a rejected request published an event', outcome);
    return;
  }
  if (type !== 'application/json') fail(`2xx with content-type ${type}`, outcome);
  if (res.status === 202) {
    if (outcome.published.length !== 1) fail(`202 but ${outcome.published.length} events published`, outcome);
    if (typeof doc.id !== 'string' || doc.id !== outcome.published[0]!.id) fail('202 id is not the published event id', outcome);
  } else if (res.status === 200) {
    if (doc.duplicate !== true) fail('200 without duplicate: true', outcome);
    if (outcome.published.length > 0) fail('a duplicate published an event', outcome);
  } else {
    fail(`unexpected 2xx status ${res.status}`, outcome);
  }
}

const CREDENTIALS = new Set(SCHEMES.map((s) => s.signature.header));

/** Audit events must not carry what a request authenticates with (its signature header values). */
export function checkAuditsLeakNothing(outcome: Outcome, wire: Wire): void {
  const secrets = wire.headers.filter(([k, v]) => CREDENTIALS.has(k.toLowerCase()) && v.trim().length >= 16).map(([, v]) => v.trim());
  for (const a of outcome.audits) {
    const text = JSON.stringify(a);
    for (const v of secrets) if (text.includes(v)) fail(`audit event carries a header value: ${v}`, outcome);
  }
}
