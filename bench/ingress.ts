import { createHmac, timingSafeEqual } from 'node:crypto';
import { webhookIngress } from '../functions/webhook-ingress/handler';
import type { EventBus } from '../shared/ports';
import { responseBytes } from '../shared/http/response-body';
import { memoryStore } from '../shared/store/memory';
import { testDeps } from '../test/deps';
import { fixtureBytes } from '../test/fixtures';
import { type BenchRow, throughputRows } from './rows';

/**
 * The in-process webhook handler on a real GitHub delivery (code_scanning_alert, ~9 KB): build
 * the Request, read the body, verify, claim the delivery id, map to an OCSF finding, publish to
 * an in-memory bus, record the delivery, answer 202 (response body taken as every adapter takes
 * it, shared/http/response-body.ts).
 * Every request is a new delivery (see the pool below), so none is a duplicate. Side by side with
 * the floor any receiver pays for the same Request: read the body, HMAC-SHA256 + timingSafeEqual,
 * JSON.parse.
 * Calls are awaited one after the other (concurrency 1): this is the cost per request.
 */
const fixture = fixtureBytes('events/github-code_scanning_alert-created.payload.json').toString('utf8');
const SECRET = 'bench-github-secret';
const URL = 'https://hooks.example.com/webhooks/github';
const config = { sources: { github: { verify: { scheme: 'github', secret: SECRET }, mapper: 'github' } } };

/**
 * Distinct deliveries, signed before timing starts: GitHub's delivery id is not signed, so the
 * receiver also recognises replays by signature, and the same body twice is a duplicate. Each
 * body is the real payload with its own alert number; the pool is reused with a fresh store.
 */
const POOL = 2048;
const pool = Array.from({ length: POOL }, (_, i) => {
  const body = Buffer.from(fixture.replace('"number": 10,', `"number": ${1000 + i},`), 'utf8');
  return { body, signature: `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` };
});

let deliveries = 0;
function post(): Request {
  const n = ++deliveries;
  const { body, signature } = pool[n % POOL]!;
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/bench',
    'x-github-event': 'code_scanning_alert',
    'x-github-delivery': `bench-${n}`,
    'x-hub-signature-256': signature,
  };
  return new Request(URL, { method: 'POST', headers, body });
}

/** An in-memory bus: serializes each event, as every real bus does, and keeps only the last. */
function serializingBus(): EventBus {
  let last = '';
  return { publish: async (event) => void (last = JSON.stringify(event)), check: async () => void last };
}

function ours(): { before: () => void; run: () => Promise<unknown> } {
  const { deps, clock } = testDeps(config);
  deps.bus = serializingBus();
  return {
    // A fresh store per round and whenever the pool comes round again: nothing is a duplicate
    // and the delivery records do not pile up.
    before: () => void (deps.store = memoryStore(clock)),
    run: async () => {
      if (deliveries % POOL === POOL - 1) deps.store = memoryStore(clock);
      const res = await webhookIngress(post(), deps);
      if (res.status !== 202) throw new Error(`bench/ingress: answered ${res.status} ${await res.text()}`);
      return responseBytes(res);
    },
  };
}

async function baseline(): Promise<unknown> {
  const req = post();
  const raw = Buffer.from(await req.arrayBuffer());
  const given = Buffer.from(req.headers.get('x-hub-signature-256')!.slice('sha256='.length), 'hex');
  if (!timingSafeEqual(createHmac('sha256', SECRET).update(raw).digest(), given)) throw new Error('bench/ingress: baseline rejected');
  return JSON.parse(raw.toString('utf8'));
}

interface Candidate {
  before?: () => void;
  run: () => Promise<unknown>;
}

/** Calls per second of `c.run`, awaited one after another, during one round of about `ms`. */
async function round(c: Candidate, ms: number): Promise<number> {
  c.before?.();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 32; i++) await c.run();
    calls += 32;
    elapsed = performance.now() - start;
  }
  return (calls * 1000) / elapsed;
}

/** measureOps (bench/rows.ts) for async candidates: warm-up, interleaved rounds, best counts. */
async function measureAsyncOps(candidates: Record<string, Candidate>, warmupMs = 1000, roundMs = 500, rounds = 5): Promise<Record<string, number>> {
  const names = Object.keys(candidates);
  for (const n of names) await round(candidates[n]!, warmupMs);
  const best: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (let r = 0; r < rounds; r++) {
    for (const n of names) best[n] = Math.max(best[n]!, await round(candidates[n]!, roundMs));
  }
  return best;
}

export async function ingressBench(): Promise<BenchRow[]> {
  const ops = await measureAsyncOps({ ours: ours(), baseline: { run: baseline } });
  return throughputRows('ingress.in-process', 'req/s', ops.ours!, { 'hmac+JSON.parse': ops.baseline! });
}
