import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freePorts } from '../emulators/spawn';
import { exited, output, sleep, startServer, stopServer, until, waitHealthy } from './server';
import { fixtureBytes } from '../fixtures';
import { githubHeaders } from '../support/sign';
import { testDeps } from '../deps';
import { webhookIngress } from '../../functions/webhook-ingress/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { type Answer, contractConfig, contractSteps, GITHUB_SECRET, type Outcome, runScript, type Step } from '../contract/webhook-script';

/**
 * End to end through `npm start`: the real start script, esbuild bundles, serverless-offline
 * (API Gateway + Lambda emulation, the functions in its process), the SQLite queue and store,
 * the router worker, and the file destination.
 */
// YAML is a superset of JSON: the contract configuration is written as is.
const CONFIG = JSON.stringify(contractConfig, null, 2);
const SECRET = GITHUB_SECRET;

describe('npm start (serverless-offline, end to end)', () => {
  let child: ChildProcess;
  let logs: () => string;
  let base: string;
  let dataDir: string;
  let startedAt: number;
  const lines = () => (existsSync(join(dataDir, 'events.jsonl')) ? readFileSync(join(dataDir, 'events.jsonl'), 'utf8').trim().split('\n').filter(Boolean) : []);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'secorch-e2e-'));
    const config = join(dataDir, 'secorch.yaml');
    writeFileSync(config, CONFIG);
    const [port, lambdaPort] = await freePorts(2);
    base = `http://127.0.0.1:${port}`;
    child = startServer({ PORT: String(port), SECORCH_LAMBDA_PORT: String(lambdaPort), SECORCH_DATA_DIR: dataDir, SECORCH_CONFIG: config });
    logs = output(child);
    const started = Date.now();
    await waitHealthy(base, logs);
    startedAt = Date.now();
    console.log(`npm start answered GET /health after ${startedAt - started} ms`);
  }, 90000);

  afterAll(async () => {
    await stopServer(child);
  });

  // First: the script's deliveries must be new to this server (replays are keyed on signatures too).
  test('the cross-cloud contract script: the local server answers and publishes like the portable handler', async () => {
    const now = Date.now();
    const steps = contractSteps(now).map((st) => ({ ...st, headers: renameDelivery(st.headers) }));
    const ref = testDeps(contractConfig, { SECORCH_DATA_DIR: dataDir }, now);
    let seen = 0;
    const reference = await runScript(steps, async (st) => answer(await webhookIngress(toRequest('https://api.example.com', st), ref.deps)), async () => {
      const fresh = ref.bus.events.slice(seen);
      seen = ref.bus.events.length;
      return fresh;
    });
    let lineCount = lines().length;
    let step = 0;
    const local = await runScript(steps, async (st) => answer(await fetch(toRequest(base, st))), async () => {
      // Events reach the file through the queue and the router: wait for as many as the reference published.
      const want = reference[step]!.events.length + reference[step]!.audits.length;
      step += 1;
      await until(() => (lines().length >= lineCount + want ? true : undefined), 10000, `${want} event lines`);
      const fresh = lines().slice(lineCount).map((l) => JSON.parse(l) as CloudEvent);
      lineCount += fresh.length;
      return fresh;
    });
    // The local server runs on the real clock: values taken from the receive time (event time of
    // unmapped payloads, OCSF logged_time) differ by design and are compared as "<now>".
    const until_ = Date.now();
    const clockless = (o: Outcome[]) => o.map((x) => ({ ...x, events: x.events.map((e) => receiveTimes(e, now, until_)) }));
    expect(clockless(local)).toEqual(clockless(reference));
    expect(reference.filter((o) => o.status === 202)).toHaveLength(5);
  });

  test('health, readiness and the OpenAPI document answer', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    const { checks } = (await ready.json()) as { checks: { name: string; status: string }[] };
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['store', 'ok'],
      ['bus', 'ok'],
      ['worker:delivery-worker', 'ok'],
      ['worker:inbox-worker', 'ok'],
      ['worker:router-worker', 'ok'],
    ]);
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/webhooks/{source}');
  });

  test('a signed code_scanning_alert is accepted, routed to the file, and its replay is a duplicate', async () => {
    const body = fixtureBytes('events/github-code_scanning_alert-fixed.payload.json');
    const headers = githubHeaders(SECRET, body, 'code_scanning_alert', 'e2e-delivery-1');
    const before = lines().length;
    const sent = Date.now();
    const res = await fetch(`${base}/webhooks/github`, { method: 'POST', headers, body: body as BodyInit });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const line = await until(() => lines().slice(before).find((l) => l.includes(id)), 10000, 'the event line');
    console.log(`event line written ${Date.now() - sent} ms after the request`);
    const event = JSON.parse(line);
    expect(event).toMatchObject({ id, type: 'secorch.finding.resolved', source: '/webhooks/github', origin: 'webhook:github' });
    expect(event.data.finding_info.uid).toBe('github:Codertocat/Hello-World:code_scanning_alert:10');

    const again = await fetch(`${base}/webhooks/github`, { method: 'POST', headers, body: body as BodyInit });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ duplicate: true });
    await sleep(1500);
    expect(lines().filter((l) => l.includes(id))).toHaveLength(1);
  });

  test('a one-byte change is 401 problem+json; an unknown source is 404', async () => {
    const body = Buffer.from(fixtureBytes('events/github-code_scanning_alert-created.payload.json'));
    const headers = githubHeaders(SECRET, body, 'code_scanning_alert', 'e2e-delivery-2');
    body[20] = body[20]! ^ 1;
    const res = await fetch(`${base}/webhooks/github`, { method: 'POST', headers, body: body as BodyInit });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('signature_invalid');
    const unknown = await fetch(`${base}/webhooks/nope`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('unknown_source');
  });

  test('raw bytes: serverless-offline decodes non-UTF-8 bytes sent as application/json before our code sees them (README says so)', async () => {
    const [binary] = contractSteps(Date.now()).filter((st) => st.path === '/webhooks/raw');
    const asJson = await fetch(`${base}/webhooks/raw`, { method: 'POST', body: binary!.body as BodyInit, headers: { ...binary!.headers, 'content-type': 'application/json' } });
    expect(asJson.status).toBe(401);
  });

  // Last: it restarts the server. The functions share serverless-offline's process
  // (scripts/offline.ts), so a crash there is every function's: npm start starts it again.
  test('serverless-offline killed after it served is started again, and then accepts webhooks', async () => {
    await until(() => (Date.now() - startedAt > 10_500 ? true : undefined), 15_000, 'ten seconds of serving');
    const group = execFileSync('ps', ['-o', 'pid=,args=', '-g', String(child.pid)], { encoding: 'utf8' });
    const offline = group.split('\n').find((l) => l.includes('serverless.js offline start'));
    expect(offline).toBeDefined();
    process.kill(Number(offline!.trim().split(/\s+/)[0]), 'SIGKILL');
    await until(() => (logs().includes('serverless-offline exited (SIGKILL); restarting it in 1 s') ? true : undefined), 10_000, 'the restart message');
    await waitHealthy(base, logs);
    // A delivery this server has not seen (replays are recognised by signature too).
    const body = Buffer.from(fixtureBytes('events/github-code_scanning_alert-created.payload.json').toString('utf8').replace('"number": 10,', '"number": 4242,'));
    const res = await fetch(`${base}/webhooks/github`, { method: 'POST', headers: githubHeaders(SECRET, body, 'code_scanning_alert', 'e2e-after-restart'), body: body as BodyInit });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await until(() => lines().find((l) => l.includes(id)), 10_000, 'the event line after the restart');
    expect(child.exitCode).toBeNull();
  }, 60_000);
});

/** Replaces epoch-ms numbers and RFC 3339 strings within [from, to] by "<now>". */
function receiveTimes(v: unknown, from: number, to: number): unknown {
  const inRange = (t: number) => t >= from && t <= to;
  if (typeof v === 'number' && inRange(v)) return '<now>';
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) && inRange(Date.parse(v))) return '<now>';
  if (Array.isArray(v)) return v.map((x) => receiveTimes(x, from, to));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, receiveTimes(x, from, to)]));
  return v;
}

/** Fresh delivery ids for this run, so it does not collide with deliveries sent by earlier tests. */
function renameDelivery(h: Record<string, string>): Record<string, string> {
  const out = { ...h };
  if (out['x-github-delivery']) out['x-github-delivery'] = `local-${out['x-github-delivery']}`;
  return out;
}

const toRequest = (origin: string, st: Step) => new Request(`${origin}${st.path}`, { method: 'POST', headers: st.headers, body: st.body as BodyInit });

async function answer(res: Response): Promise<Answer> {
  return { status: res.status, contentType: res.headers.get('content-type')?.split(';')[0] ?? null, body: Buffer.from(await res.arrayBuffer()) };
}

describe('npm start refuses a bad configuration before listening', () => {
  async function startWith(config: string, env: Record<string, string> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'secorch-bad-'));
    writeFileSync(join(dir, 'secorch.yaml'), config);
    const port = await freePort();
    const child = startServer({ PORT: String(port), SECORCH_DATA_DIR: dir, SECORCH_CONFIG: join(dir, 'secorch.yaml'), ...env });
    const out = output(child);
    const code = await exited(child);
    const listening = await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false);
    return { code, out: out(), listening };
  }

  test('an unknown key', async () => {
    const r = await startWith('sources:\n  github:\n    verify: { scheme: github, secret: x }\n    mappr: github\n');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('sources.github.mappr: unknown key');
    expect(r.listening).toBe(false);
  }, 30000);

  test('a missing ${VAR}', async () => {
    const r = await startWith('sources:\n  github:\n    verify: { scheme: github, secret: "${SECORCH_E2E_UNSET_VAR}" }\n');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('Environment variable SECORCH_E2E_UNSET_VAR is not set (used at sources.github.verify.secret)');
    expect(r.listening).toBe(false);
  }, 30000);
});
