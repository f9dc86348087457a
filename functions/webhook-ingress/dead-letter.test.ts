import { AppError } from '../../shared/errors';
import { listDeadLetters, rawBody } from '../../shared/deadletters/store';
import { fixtureBytes } from '../../test/fixtures';
import { testDeps } from '../../test/deps';
import { githubHeaders } from '../../test/support/sign';
import { webhookIngress } from './handler';

// A mapper bug on demand: the real mappers, except that a payload with "explode" makes them throw.
jest.mock('../../shared/mappers/config', () => {
  const actual = jest.requireActual('../../shared/mappers/config');
  return {
    ...actual,
    resolveMapper: (config: unknown) => {
      const mapper = actual.resolveMapper(config);
      return (input: { payload: { explode?: boolean } }) => {
        if (input.payload?.explode) throw new TypeError("Cannot read properties of undefined (reading 'alert')");
        return mapper(input);
      };
    },
  };
});

const SECRET = 'test-github-secret';
const config = { sources: { github: { verify: { scheme: 'github', secret: SECRET }, mapper: 'github', tenant: 'acme' } } };
const codeScanning = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
const post = (body: Uint8Array, delivery: string) =>
  new Request('https://hooks.example.com/webhooks/github', { method: 'POST', body: body as BodyInit, headers: githubHeaders(SECRET, body, 'code_scanning_alert', delivery) });
const kept = async (deps: ReturnType<typeof testDeps>['deps']) => (await listDeadLetters(deps, 'acme')).items.map((i) => i.record);

describe('webhook-ingress dead letters', () => {
  test('a failed publish still answers 503, and the verified delivery is kept with its exact raw bytes first', async () => {
    const { deps, bus } = testDeps(config);
    bus.failNext();
    const res = await webhookIngress(post(codeScanning, 'd-dl-1'), deps);
    expect(res.status).toBe(503);
    const [record, ...more] = await kept(deps);
    expect(more).toHaveLength(0);
    expect(record).toMatchObject({
      tenant: 'acme', kind: 'webhook', source: 'github', reason: { code: 'publish_failed' }, encoding: 'utf8',
      headers: { 'content-type': 'application/json' }, deliveryId: 'd-dl-1', event: 'code_scanning_alert', replays: 0,
    });
    expect(Buffer.from(rawBody(record!)).equals(Buffer.from(codeScanning))).toBe(true);
    // Signature and credential headers are not part of what is kept.
    expect(JSON.stringify(record!.headers)).not.toMatch(/sha256=|hub-signature/);
  });

  test('an event larger than the bus takes: 413 (a resend cannot help), and the delivery is kept', async () => {
    const { deps } = testDeps(config);
    deps.bus = { ...deps.bus, publish: async () => Promise.reject(new AppError('bus_message_too_large', 'Event is 70000 bytes', { status: 500, retryable: false, expose: false })) };
    const res = await webhookIngress(post(codeScanning, 'd-dl-big'), deps);
    expect(res.status).toBe(413);
    expect(res.headers.get('retry-after')).toBeNull();
    const [record] = await kept(deps);
    expect(record).toMatchObject({ reason: { code: 'publish_failed', message: expect.stringContaining('larger than the event bus') }, deliveryId: 'd-dl-big' });
  });

  test('too large for the bus and the dead letter cannot be written either: 503, so the sender resends instead of dropping it', async () => {
    const { deps } = testDeps(config);
    deps.bus = { ...deps.bus, publish: async () => Promise.reject(new AppError('bus_message_too_large', 'Event is 70000 bytes', { status: 500, retryable: false, expose: false })) };
    const put = deps.store.put.bind(deps.store);
    // The store refuses only the dead letter (an outage while the claim is already taken).
    deps.store.put = async (key, value, opts) => (value.includes('"kind":"webhook"')
      ? Promise.reject(new AppError('store_unavailable', 'The state store did not answer', { status: 503, retryable: true }))
      : put(key, value, opts));
    const res = await webhookIngress(post(codeScanning, 'd-dl-lost'), deps);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string; detail?: string }).code).toBe('publish_failed');
    deps.store.put = put;
    expect(await kept(deps)).toHaveLength(0);
  });

  test('a mapper bug answers 500 as before, and the delivery is kept byte for byte (whitespace and all)', async () => {
    const { deps, bus } = testDeps(config);
    const body = new TextEncoder().encode('{ "explode" : true,\n  "note": "caf\u00e9" }\n');
    const res = await webhookIngress(post(body, 'd-dl-2'), deps);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { code: string }).code).toBe('internal_error');
    expect(bus.events.filter((e) => !e.type.startsWith('secorch.audit.'))).toHaveLength(0);
    const [record] = await kept(deps);
    expect(record).toMatchObject({ kind: 'webhook', source: 'github', reason: { code: 'mapping_failed', message: expect.stringContaining('reading') } });
    expect(rawBody(record!)).toEqual(body);
  });

  test("a sender's retries of a delivery the mapper cannot take count on one dead letter; another delivery gets its own", async () => {
    const { deps, clock } = testDeps(config);
    const body = new TextEncoder().encode('{ "explode": true }');
    for (let i = 0; i < 4; i++) {
      expect((await webhookIngress(post(body, 'd-dl-retried'), deps)).status).toBe(500);
      clock.advance(60_000);
    }
    expect((await kept(deps)).map((d) => [d.deliveryId, d.failures])).toEqual([['d-dl-retried', 4]]);
    expect((await webhookIngress(post(body, 'd-dl-other'), deps)).status).toBe(500);
    expect((await kept(deps)).map((d) => [d.deliveryId, d.failures])).toEqual([['d-dl-retried', 4], ['d-dl-other', 1]]);
  });

  test("the sender's errors are not dead letters (a malformed body, a bad signature)", async () => {
    const { deps } = testDeps(config);
    expect((await webhookIngress(post(new TextEncoder().encode('{nope'), 'd-dl-3'), deps)).status).toBe(400);
    const forged = new Request('https://hooks.example.com/webhooks/github', { method: 'POST', body: codeScanning as BodyInit, headers: githubHeaders('wrong', codeScanning, 'code_scanning_alert', 'd-dl-4') });
    expect((await webhookIngress(forged, deps)).status).toBe(401);
    expect(await kept(deps)).toEqual([]);
  });

  test('a dead letter that cannot be stored does not change the answer', async () => {
    const { deps, bus } = testDeps(config);
    bus.failNext();
    const original = deps.store.put.bind(deps.store);
    const put = jest.spyOn(deps.store, 'put').mockImplementation((key, ...rest) => (key.startsWith('dlq:') ? Promise.reject(new Error('store down')) : original(key, ...rest)));
    expect((await webhookIngress(post(codeScanning, 'd-dl-5'), deps)).status).toBe(503);
    expect(put.mock.calls.some(([key]) => key.startsWith('dlq:'))).toBe(true);
    expect(await kept(deps)).toEqual([]);
  });
});
