import { Webhook } from 'standardwebhooks';
import { fixtureBytes } from '../../test/fixtures';
import { testDeps } from '../../test/deps';
import { githubHeaders } from '../../test/support/sign';
import { webhookIngress } from './handler';

const SECRET = 'test-github-secret';
const WHSEC = `whsec_${Buffer.from('standard-webhooks-test-key-32byt').toString('base64')}`;
const GRAPH_STATE = 'graph-client-state-7f3a9c1e5b';
const config = {
  sources: {
    github: { verify: { scheme: 'github', secret: SECRET }, mapper: 'github' },
    small: { verify: { scheme: 'github', secret: SECRET }, maxBodyBytes: 64 },
    sw: { verify: { scheme: 'standard-webhooks', secret: WHSEC } },
    graph: { verify: { scheme: 'msgraph', secret: GRAPH_STATE } },
  },
};
const codeScanning = fixtureBytes('events/github-code_scanning_alert-created.payload.json');

/** What the sender's delivery published, without the audit events of rejections. */
const published = (bus: { events: { type: string }[] }) => bus.events.filter((e) => !e.type.startsWith('secorch.audit.'));

function post(path: string, body: Uint8Array | string, headers: Record<string, string>): Request {
  return new Request(`https://hooks.example.com${path}`, { method: 'POST', body: body as BodyInit, headers });
}

describe('webhook-ingress', () => {
  test('a signed GitHub code_scanning_alert becomes a published OCSF finding event (202)', async () => {
    const { deps, bus } = testDeps(config);
    const res = await webhookIngress(post('/webhooks/github', codeScanning, githubHeaders(SECRET, codeScanning, 'code_scanning_alert', 'd-1')), deps);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(bus.events).toHaveLength(1);
    const ev = bus.events[0]!;
    expect(ev).toMatchObject({ specversion: '1.0', id, source: '/webhooks/github', type: 'secorch.finding.created', tenant: 'default', origin: 'webhook:github', deliveryid: 'd-1' });
    const data = ev.data as { class_uid: number; finding_info: { uid: string }; metadata: { uid: string } };
    expect(data.class_uid).toBe(2004);
    expect(data.finding_info.uid).toBe('github:Codertocat/Hello-World:code_scanning_alert:10');
    expect(data.metadata.uid).toBe('d-1');
  });

  test('a signed body nested deeper than 200 levels is 400 malformed_body, not a publish that fails on every retry', async () => {
    const { deps, bus } = testDeps(config);
    // 30,000 levels in 60 KB: JSON.parse takes it, a bus serialising it overflows the stack.
    const deep = new TextEncoder().encode(`{"action":"created","x":${'['.repeat(30_000)}${']'.repeat(30_000)}}`);
    const res = await webhookIngress(post('/webhooks/github', deep, githubHeaders(SECRET, deep, 'code_scanning_alert', 'd-deep')), deps);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'malformed_body', detail: expect.stringContaining('nested deeper than 200 levels') });
    expect(published(bus)).toHaveLength(0);
    // 200 levels are fine, and a body with many brackets inside strings is not mistaken for a deep one.
    const ok = new TextEncoder().encode(`{"x":${'['.repeat(199)}${']'.repeat(199)},"s":"${'{['.repeat(500)}"}`);
    expect((await webhookIngress(post('/webhooks/github', ok, githubHeaders(SECRET, ok, 'ping', 'd-ok')), deps)).status).toBe(202);
  });

  test('a repeated delivery id answers 200 {"duplicate": true} and publishes nothing more', async () => {
    const { deps, bus } = testDeps(config);
    const send = () => webhookIngress(post('/webhooks/github', codeScanning, githubHeaders(SECRET, codeScanning, 'code_scanning_alert', 'd-2')), deps);
    expect((await send()).status).toBe(202);
    const again = await send();
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ duplicate: true });
    expect(bus.events).toHaveLength(1);
  });

  test('a failed publish answers 503 and does not record the delivery: the retry gets through with the same event id', async () => {
    const { deps, bus } = testDeps(config);
    const send = () => webhookIngress(post('/webhooks/github', codeScanning, githubHeaders(SECRET, codeScanning, 'code_scanning_alert', 'd-3')), deps);
    bus.failNext();
    const failed = await send();
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { code: string }).code).toBe('publish_failed');
    const retry = await send();
    expect(retry.status).toBe(202);
    expect(bus.events).toHaveLength(1);
    const other = testDeps(config);
    const elsewhere = await webhookIngress(post('/webhooks/github', codeScanning, githubHeaders(SECRET, codeScanning, 'code_scanning_alert', 'd-3')), other.deps);
    expect(((await elsewhere.json()) as { id: string }).id).toBe(bus.events[0]!.id);
  });

  test('a one-byte change to the body is 401 signature_invalid as problem+json, and nothing is published', async () => {
    const { deps, bus } = testDeps(config);
    const headers = githubHeaders(SECRET, codeScanning, 'code_scanning_alert', 'd-4');
    const tampered = Buffer.from(codeScanning);
    tampered[10] = tampered[10]! ^ 1;
    const res = await webhookIngress(post('/webhooks/github', tampered, headers), deps);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 401, code: 'signature_invalid', instance: '/webhooks/github' });
    expect(JSON.stringify(problem)).not.toMatch(/stack|at .*\.ts/);
    expect(published(bus)).toHaveLength(0);
  });

  test('a signature wrong only in its last byte is 401 signature_invalid, and nothing is published', async () => {
    const { deps, bus } = testDeps(config);
    const headers = githubHeaders(SECRET, codeScanning, 'code_scanning_alert', 'd-10');
    const sig = headers['x-hub-signature-256']!;
    const last = sig.slice(-2) === '00' ? '01' : '00';
    const res = await webhookIngress(post('/webhooks/github', codeScanning, { ...headers, 'x-hub-signature-256': `${sig.slice(0, -2)}${last}` }), deps);
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([401, 'signature_invalid']);
    expect(published(bus)).toHaveLength(0);
    expect((await webhookIngress(post('/webhooks/github', codeScanning, headers), deps)).status).toBe(202);
  });

  test('a missing signature is 401 signature_missing', async () => {
    const { deps } = testDeps(config);
    const res = await webhookIngress(post('/webhooks/github', codeScanning, { 'content-type': 'application/json' }), deps);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('signature_missing');
  });

  test('an unknown source is 404 unknown_source, also for inherited object keys', async () => {
    const { deps } = testDeps(config);
    for (const name of ['nope', '__proto__', 'constructor']) {
      const res = await webhookIngress(post(`/webhooks/${name}`, '{}', {}), deps);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('unknown_source');
    }
  });

  test('a body over the source limit is 413, with or without a Content-Length', async () => {
    const { deps, bus } = testDeps(config);
    const big = '{"a":"' + 'x'.repeat(100) + '"}';
    const withLength = await webhookIngress(post('/webhooks/small', big, githubHeaders(SECRET, big, 'ping', 'd-5')), deps);
    expect(withLength.status).toBe(413);
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } });
    const req = new Request('https://h.example/webhooks/small', { method: 'POST', body: stream, headers: githubHeaders(SECRET, big, 'ping', 'd-6'), duplex: 'half' } as RequestInit);
    const streamed = await webhookIngress(req, deps);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { code: string }).code).toBe('payload_too_large');
    expect(published(bus)).toHaveLength(0);
  });

  test('a signed but malformed JSON body is 400 malformed_body', async () => {
    const { deps } = testDeps(config);
    const body = '{"action": "created",';
    const res = await webhookIngress(post('/webhooks/github', body, githubHeaders(SECRET, body, 'code_scanning_alert', 'd-7')), deps);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('malformed_body');
  });

  test('a payload no mapper knows (ping) is published as secorch.webhook.received with its raw data', async () => {
    const { deps, bus } = testDeps(config);
    const ping = fixtureBytes('events/github-ping.payload.json');
    const res = await webhookIngress(post('/webhooks/github', ping, githubHeaders(SECRET, ping, 'ping', 'd-8')), deps);
    expect(res.status).toBe(202);
    expect(bus.events[0]).toMatchObject({ type: 'secorch.webhook.received', subject: 'ping', data: JSON.parse(ping.toString()) });
  });

  test('only POST is allowed', async () => {
    const { deps } = testDeps(config);
    const res = await webhookIngress(new Request('https://h.example/webhooks/github'), deps);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  test('a Standard Webhooks delivery signed by the reference library is accepted and deduplicated on webhook-id', async () => {
    const { deps, bus, clock } = testDeps(config);
    const body = '{"type":"scan.completed","data":{"id":1}}';
    const when = new Date(clock.now());
    const signature = new Webhook(WHSEC).sign('msg_1', when, body);
    const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(clock.now() / 1000)), 'webhook-signature': signature };
    expect((await webhookIngress(post('/webhooks/sw', body, headers), deps)).status).toBe(202);
    expect((await webhookIngress(post('/webhooks/sw', body, headers), deps)).status).toBe(200);
    expect(bus.events).toHaveLength(1);
    expect(bus.events[0]).toMatchObject({ type: 'secorch.webhook.received', deliveryid: 'msg_1', data: { type: 'scan.completed' } });
  });
});

describe('webhook-ingress: credentials carried in the body', () => {
  test('a Microsoft Graph notification is published without its clientState, the secret that authenticates it', async () => {
    const { deps, bus } = testDeps(config);
    // The change and lifecycle notification examples of Graph's docs (change-notifications-delivery-webhooks).
    const change = { id: 'lsgTZMr9KwAAA', subscriptionId: '{subscription_guid}', clientState: GRAPH_STATE, changeType: 'created', resource: 'users/{user_guid}/messages/{id}', tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95' };
    const lifecycle = { id: 'lc-1', subscriptionId: '{subscription_guid}', clientState: GRAPH_STATE, lifecycleEvent: 'reauthorizationRequired', tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95' };
    const res = await webhookIngress(post('/webhooks/graph', JSON.stringify({ value: [change, lifecycle] }), { 'content-type': 'application/json' }), deps);
    expect(res.status).toBe(202);
    const [event, ...more] = bus.events.filter((e) => !e.type.startsWith('secorch.audit.'));
    expect(more).toHaveLength(0);
    const { clientState: _a, ...changeRest } = change;
    const { clientState: _b, ...lifecycleRest } = lifecycle;
    expect(event!.data).toEqual({ value: [changeRest, lifecycleRest] });
    expect(JSON.stringify(bus.events)).not.toContain(GRAPH_STATE);
  });
});

describe('webhook-ingress under concurrency', () => {
  test('two copies of one delivery in flight at once publish once: the second gets 409 with Retry-After', async () => {
    const { deps, bus } = testDeps(config);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const publish = bus.publish.bind(bus);
    let held = false;
    bus.publish = async (e) => {
      held = true;
      await gate;
      return publish(e);
    };
    const send = () => webhookIngress(post('/webhooks/github', codeScanning, githubHeaders(SECRET, codeScanning, 'code_scanning_alert', 'd-9')), deps);
    const first = send();
    // The second copy arrives while the first is held at publish (past its claim), not after a
    // fixed wait that a loaded machine may not give it time to get there in.
    for (const end = Date.now() + 10_000; !held && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
    expect(held).toBe(true);
    const second = await send();
    expect(second.status).toBe(409);
    expect(second.headers.get('retry-after')).toBe('5');
    expect(((await second.json()) as { code: string }).code).toBe('delivery_in_progress');
    release();
    expect((await first).status).toBe(202);
    expect((await send()).status).toBe(200);
    expect(bus.events).toHaveLength(1);
  });
});
