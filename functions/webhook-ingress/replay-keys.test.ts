import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { githubHeaders } from '../../test/support/sign';
import { testDeps } from '../../test/deps';
import { webhookIngress } from './handler';
import { replayKeys } from './replay';

/**
 * Replay protection where the replay key could depend on what an attacker controls: which of a
 * rotation's signatures a captured request still carries, how long a scheme's timestamp window
 * is, and how a configured body path reads a 64-bit numeric id.
 */
const OLD = 'whsec_rotation_old_5Wz3b8hN2kQvXr7Y';
const NEW = 'whsec_rotation_new_pL0mTa9cD4eF6gH1';
const published = (events: { type: string }[]) => events.filter((e) => !e.type.startsWith('secorch.audit.')).length;
const post = (deps: Parameters<typeof webhookIngress>[1], source: string, body: string, headers: Record<string, string>) =>
  webhookIngress(new Request(`https://h.example/webhooks/${source}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }), deps);

describe('replays during a secret rotation', () => {
  const config = { sources: { stripe: { verify: { scheme: 'stripe', secrets: [OLD, NEW] } }, pd: { verify: { scheme: 'pagerduty', secrets: [OLD, NEW] } } } };

  test('Stripe: a captured request replayed with only one of its two v1 signatures is a duplicate, in either order of secrets', async () => {
    for (const secrets of [[OLD, NEW], [NEW, OLD]]) {
      const { deps, bus, clock } = testDeps({ sources: { stripe: { verify: { scheme: 'stripe', secrets } } } });
      const body = JSON.stringify({ id: 'evt_rotation_1', object: 'event', type: 'charge.refunded' });
      // stripe-node signs with one secret per call; during a roll Stripe sends both v1 values.
      const stripe = new Stripe('sk_test_not_used_offline');
      const t = Math.floor(clock.now() / 1000);
      const [withOld, withNew] = [OLD, NEW].map((secret) => stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t }));
      const v1 = (h: string) => /v1=([0-9a-f]+)/.exec(h)![1]!;
      const first = await post(deps, 'stripe', body, { 'stripe-signature': `t=${t},v1=${v1(withOld!)},v1=${v1(withNew!)}` });
      expect(first.status).toBe(202);
      const { id } = (await first.json()) as { id: string };
      for (const kept of [withOld!, withNew!]) {
        const replay = await post(deps, 'stripe', body, { 'stripe-signature': kept });
        expect([replay.status, await replay.json()]).toEqual([200, { duplicate: true }]);
      }
      expect(published(bus.events)).toBe(1);
      expect(bus.events[0]!.id).toBe(id);
    }
  });

  test('PagerDuty: dropping one v1 value and changing the unsigned X-Webhook-Id does not make a replay new', async () => {
    const { deps, bus } = testDeps(config);
    const body = JSON.stringify({ event: { id: '01DEN3FVMMX6BD1FJ3RWMS2AJN', event_type: 'incident.triggered' } });
    const mac = (k: string) => createHmac('sha256', k).update(body).digest('hex');
    expect((await post(deps, 'pd', body, { 'x-pagerduty-signature': `v1=${mac(OLD)},v1=${mac(NEW)}`, 'x-webhook-id': 'W-1' })).status).toBe(202);
    for (const [sig, id] of [[`v1=${mac(NEW)}`, 'W-forged-2'], [`v1=${mac(OLD)}`, 'W-forged-3']]) {
      const replay = await post(deps, 'pd', body, { 'x-pagerduty-signature': sig!, 'x-webhook-id': id! });
      expect([replay.status, await replay.json()]).toEqual([200, { duplicate: true }]);
    }
    expect(published(bus.events)).toBe(1);
  });

  test('after the old secret is removed from the list, a replay signed with the new one is still recognised', async () => {
    const { deps, bus } = testDeps(config);
    const body = JSON.stringify({ event: { id: 'E-2', event_type: 'incident.resolved' } });
    const mac = (k: string) => createHmac('sha256', k).update(body).digest('hex');
    expect((await post(deps, 'pd', body, { 'x-pagerduty-signature': `v1=${mac(OLD)},v1=${mac(NEW)}`, 'x-webhook-id': 'W-9' })).status).toBe(202);
    const after = testDeps({ sources: { pd: { verify: { scheme: 'pagerduty', secrets: [NEW] } } } });
    after.deps.store = deps.store;
    after.deps.bus = deps.bus;
    const replay = await post(after.deps, 'pd', body, { 'x-pagerduty-signature': `v1=${mac(NEW)}`, 'x-webhook-id': 'W-10' });
    expect([replay.status, await replay.json()]).toEqual([200, { duplicate: true }]);
    expect(published(bus.events)).toBe(1);
  });
});

describe('how long replay records live', () => {
  test('standard-webhooks keeps a record for twice its configured tolerance, even past dedupeTtlSeconds', async () => {
    const secret = `whsec_${Buffer.from('standard-webhooks-test-key-32byt').toString('base64')}`;
    const { deps, bus, clock } = testDeps({ sources: { sw: { verify: { scheme: 'standard-webhooks', secret, toleranceSeconds: 3600 }, dedupeTtlSeconds: 600 } } });
    const body = '{"type":"scan.finished"}';
    const at = new Date(clock.now());
    // The oracle is the reference library: it signs as every Standard Webhooks sender does.
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('msg_1', at, body) };
    expect((await post(deps, 'sw', body, headers)).status).toBe(202);
    // 700 s on, past dedupeTtlSeconds but inside the 3600 s window: still a duplicate.
    clock.advance(700_000);
    expect([(await post(deps, 'sw', body, headers)).status, published(bus.events)]).toEqual([200, 1]);
    // Just inside the window's end (2 x 3600 s from the first record is later still).
    clock.advance(2_899_000);
    expect([(await post(deps, 'sw', body, headers)).status, published(bus.events)]).toEqual([200, 1]);
  });
});

describe('how long replay records live: the whole window both ways', () => {
  test('a delivery timestamped as far ahead as the tolerance allows is still a duplicate until the timestamp is too old', async () => {
    const secret = `whsec_${Buffer.from('standard-webhooks-test-key-32byt').toString('base64')}`;
    const { deps, bus, clock } = testDeps({ sources: { sw: { verify: { scheme: 'standard-webhooks', secret, toleranceSeconds: 3600 }, dedupeTtlSeconds: 600 } } });
    const body = '{"type":"scan.finished"}';
    // The sender's clock is 3600 s ahead: the timestamp is accepted now and for 2 x 3600 s.
    const at = new Date(clock.now() + 3600_000);
    const headers = { 'webhook-id': 'msg_ahead', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('msg_ahead', at, body) };
    expect((await post(deps, 'sw', body, headers)).status).toBe(202);
    clock.advance(7199_000);
    expect([(await post(deps, 'sw', body, headers)).status, published(bus.events)]).toEqual([200, 1]);
    // The last second of the window: the timestamp is exactly 3600 s old, whole seconds, still
    // accepted (as the reference library does), so the record must outlive 2 x 3600 s.
    clock.advance(1500);
    expect([(await post(deps, 'sw', body, headers)).status, published(bus.events)]).toEqual([200, 1]);
    clock.advance(1000);
    expect([(await post(deps, 'sw', body, headers)).status, published(bus.events)]).toEqual([401, 1]);
  });
});

describe('replay keys are per source', () => {
  test('two sources whose senders use the same delivery id both publish', async () => {
    const secret = 'gh-secret-shared-by-two-sources';
    const { deps, bus } = testDeps({ sources: { one: { verify: { scheme: 'github', secret } }, two: { verify: { scheme: 'github', secret } } } });
    const send = (source: string, body: string) =>
      webhookIngress(new Request(`https://h.example/webhooks/${source}`, { method: 'POST', body, headers: githubHeaders(secret, body, 'ping', 'd-1') }), deps);
    // The same body too: neither the delivery id nor the signature may be shared across sources.
    expect((await send('one', '{"zen":"same"}')).status).toBe(202);
    expect((await send('two', '{"zen":"same"}')).status).toBe(202);
    expect(published(bus.events)).toBe(2);
    expect((await send('two', '{"zen":"same"}')).status).toBe(200);
  });
});

describe('a claim left by an instance that never finished', () => {
  test('blocks copies of the delivery with 409 for a minute, then lets the sender\'s retry through', async () => {
    const secret = 'gh-secret-for-stuck-claims';
    const { deps, bus, clock } = testDeps({ sources: { gh: { verify: { scheme: 'github', secret } } } });
    // The first publish hangs until the end of the test: the instance that claimed it is stuck.
    let unstick!: () => void;
    let entered!: () => void;
    const stuck = new Promise<void>((r) => (unstick = r));
    const publishing = new Promise<void>((r) => (entered = r));
    const publish = bus.publish.bind(bus);
    let calls = 0;
    bus.publish = async (e) => {
      if (calls++ === 0) {
        entered();
        await stuck;
      }
      return publish(e);
    };
    const body = '{"zen":"stuck"}';
    const send = () => webhookIngress(new Request('https://h.example/webhooks/gh', { method: 'POST', body, headers: githubHeaders(secret, body, 'ping', 'd-stuck') }), deps);
    const first = send();
    await publishing; // claimed, and stuck in the publish
    clock.advance(59_000);
    expect((await send()).status).toBe(409);
    clock.advance(2000);
    expect((await send()).status).toBe(202);
    unstick();
    await first;
  });
});

describe('delivery ids read from the body (idPath)', () => {
  const KEY = 'k'.repeat(32);
  const config = { sources: { tool: { verify: { scheme: 'api-key', keys: [KEY], idPath: 'event.id' } } } };

  test('64-bit numeric ids past 2^53 stay distinct: each delivery is published, a true replay is not', async () => {
    const { deps, bus } = testDeps(config);
    const ids = ['1234567890123456789', '1234567890123456790', '1234567890123456801', '-9007199254740993'];
    for (const id of ids) {
      const res = await post(deps, 'tool', `{"event":{"id":${id},"type":"alert"}}`, { 'x-api-key': KEY });
      expect(res.status).toBe(202);
    }
    expect(published(bus.events)).toBe(ids.length);
    expect(bus.events.map((e) => (e as { deliveryid?: string }).deliveryid)).toEqual(ids);
    const again = await post(deps, 'tool', `{"event":{"id":${ids[1]},"type":"alert"}}`, { 'x-api-key': KEY });
    expect([again.status, published(bus.events)]).toEqual([200, ids.length]);
  });

  test('a safe integer and its string form are the same id', async () => {
    const { deps, bus } = testDeps(config);
    expect((await post(deps, 'tool', '{"event":{"id":42}}', { 'x-api-key': KEY })).status).toBe(202);
    expect((await post(deps, 'tool', '{"event":{"id":"42"}}', { 'x-api-key': KEY })).status).toBe(200);
    expect(published(bus.events)).toBe(1);
  });
});

describe('a duplicate is recorded under all its identities', () => {
  test('a second body under a seen GitHub delivery id is a duplicate, and so is that body later under another id', async () => {
    const secret = 'gh-secret-for-replay-keys';
    const { deps, bus } = testDeps({ sources: { gh: { verify: { scheme: 'github', secret } } } });
    const send = (body: string, id: string) => webhookIngress(new Request('https://h.example/webhooks/gh', { method: 'POST', body, headers: githubHeaders(secret, body, 'ping', id) }), deps);
    expect((await send('{"zen":"one"}', 'd-1')).status).toBe(202);
    expect((await send('{"zen":"two"}', 'd-1')).status).toBe(200);
    // The second body was answered as a duplicate; its signature is now known too.
    expect((await send('{"zen":"two"}', 'd-2')).status).toBe(200);
    expect(published(bus.events)).toBe(1);
  });
});

describe('event ids of a delivery holding one mapped event', () => {
  // Okta's sample event hook delivery (https://developer.okta.com/docs/concepts/event-hooks/),
  // trimmed: one System Log event, relayed by a tool that authenticates with an API key: nothing
  // about the delivery identifies it (the key is reused, no id is configured); the event's own
  // uuid does.
  const SECRET = 'okta-hook-secret';
  const body = JSON.stringify({
    eventType: 'com.okta.event_hook', eventTypeVersion: '1.0', cloudEventsVersion: '0.1', contentType: 'application/json',
    eventId: 'b5a188b9-5ece-4636-b041-482ffda96311', eventTime: '2019-03-27T16:59:53.032Z',
    data: { events: [{
      version: '0', severity: 'INFO', actor: { id: '00u1qw6mqitPHM8AJ0g7', type: 'User', alternateId: 'admin@example.com', displayName: 'Example Admin' },
      client: { ipAddress: '12.97.85.90' }, outcome: { result: 'SUCCESS' }, uuid: 'f790999f-fe87-467a-9880-6982a583986c', published: '2018-03-28T22:23:07.777Z',
      eventType: 'user.session.start', displayMessage: 'User login to Okta',
    }] },
  });

  test('take the mapper\'s key, as several events of one delivery do: a resent delivery gets the same id', async () => {
    const { deps, bus } = testDeps({ sources: { okta: { verify: { scheme: 'api-key', keys: [SECRET] }, mapper: 'okta' } } });
    for (let i = 0; i < 2; i++) expect((await post(deps, 'okta', body, { 'x-api-key': SECRET })).status).toBe(202);
    const events = bus.events.filter((e) => !e.type.startsWith('secorch.audit.'));
    expect(events).toHaveLength(2);
    expect(events[0]!.id).toBe(events[1]!.id);
  });
});

describe('replay keys of odd delivery ids', () => {
  const source = { id: 'tool', config: { tenant: 'acme' } } as Parameters<typeof replayKeys>[0];

  test('a delivery id too long for a store key is kept as a digest; distinct ids stay distinct', () => {
    const long = (c: string) => `d-${c.repeat(5000)}`;
    const [a] = replayKeys(source, { deliveryId: long('a') });
    const [b] = replayKeys(source, { deliveryId: long('b') });
    expect(Buffer.byteLength(a!)).toBeLessThanOrEqual(512);
    expect(a).not.toBe(b);
    expect(replayKeys(source, { deliveryId: 'evt_1' })).toEqual(['webhook:acme:tool:evt_1']);
  });

  test('a delivery id spelled like a signature key never takes that key', () => {
    const [signatureKey] = replayKeys(source, { signature: 'v1=abc' });
    const spoof = signatureKey!.slice('webhook:acme:tool:'.length);
    expect(spoof.startsWith('sig:')).toBe(true);
    expect(replayKeys(source, { deliveryId: spoof })).not.toContain(signatureKey);
  });

  test('ids that differ only by a leading "~" are distinct deliveries', () => {
    const key = (deliveryId: string) => replayKeys(source, { deliveryId })[0];
    const ids = ['sig:x', '~sig:x', '~~sig:x', '~x', '~~x', 'x', `~${'y'.repeat(300)}`, 'y'.repeat(300)];
    expect(new Set(ids.map(key)).size).toBe(ids.length);
  });
});
