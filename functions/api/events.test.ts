import { fanOut } from '../../shared/delivery/engine/fanout';
import { eventRef, keys } from '../../shared/delivery/keys';
import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { importedEvent } from '../../shared/mappers/aws/fixtures.testkit';
import { scheduledEvent } from '../../shared/schedules/jobs/emit';
import { cloudFindings } from '../cloud-findings/handler';
import { apiConfig, apiDeps, call, KEY } from './testkit';

const event = (id: string, over: Record<string, unknown> = {}) => ({
  specversion: '1.0', id, source: 'ci/scanner', type: 'secorch.finding.created', datacontenttype: 'application/json', data: { severity: 'high' }, ...over,
});
const structured = { 'content-type': 'application/cloudevents+json; charset=utf-8' };
const batch = { 'content-type': 'application/cloudevents-batch+json' };

describe('POST /events', () => {
  test('structured mode: 202 {id, ids}; the published event carries tenant and origin api:<key id>', async () => {
    const { deps, bus } = apiDeps();
    const res = await call(deps, 'POST', '/events', { body: event('e-1'), headers: structured });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ id: 'e-1', ids: ['e-1'] });
    expect(bus.events).toEqual([{ ...event('e-1'), tenant: 'acme', origin: 'api:acme-admin' }]);
  });

  test('binary mode: attributes from ce- headers, the body as data', async () => {
    const { deps, bus } = apiDeps();
    const res = await call(deps, 'POST', '/events', {
      key: KEY.publisher,
      body: { severity: 'low' },
      headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'b-1', 'ce-source': 'ci/scanner', 'ce-type': 'secorch.finding.updated', 'ce-subject': 'repo%2Fa' },
    });
    expect([res.status, res.json]).toEqual([202, { id: 'b-1', ids: ['b-1'] }]);
    expect(bus.events[0]).toEqual({
      specversion: '1.0', id: 'b-1', source: 'ci/scanner', type: 'secorch.finding.updated', subject: 'repo/a',
      datacontenttype: 'application/json', data: { severity: 'low' }, tenant: 'acme', origin: 'api:acme-publisher',
    });
  });

  test('batch mode: every event published in order and stamped; an empty batch is 202 with no ids', async () => {
    const { deps, bus } = apiDeps();
    const res = await call(deps, 'POST', '/events', { key: KEY.globex, body: [event('a'), event('b'), event('c')], headers: batch });
    expect([res.status, res.json]).toEqual([202, { ids: ['a', 'b', 'c'] }]);
    expect(bus.events.map((e: CloudEvent) => [e.id, e.tenant, e.origin])).toEqual([
      ['a', 'globex', 'api:globex-admin'], ['b', 'globex', 'api:globex-admin'], ['c', 'globex', 'api:globex-admin'],
    ]);
    const empty = await call(deps, 'POST', '/events', { body: [], headers: batch });
    expect([empty.status, empty.json]).toEqual([202, { ids: [] }]);
  });

  test('a client-set tenant or origin is 400 reserved_attribute in every mode, and nothing is published', async () => {
    const { deps, bus } = apiDeps();
    const cases = [
      { body: event('r1', { tenant: 'globex' }), headers: structured },
      { body: [event('r2'), event('r3', { origin: 'webhook:github' })], headers: batch },
      { body: {}, headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'r4', 'ce-source': 's', 'ce-type': 't', 'ce-tenant': 'globex' } },
    ];
    for (const c of cases) {
      const res = await call(deps, 'POST', '/events', c);
      expect([res.status, res.json.code]).toEqual([400, 'reserved_attribute']);
    }
    expect(bus.events).toHaveLength(0);
  });

  test('tenant and origin are refused whichever of them is set, in every mode', async () => {
    const { deps, bus } = apiDeps();
    const binary = (attr: string) => ({ 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': `b-${attr}`, 'ce-source': 's', 'ce-type': 't', [`ce-${attr}`]: 'x' });
    for (const attr of ['tenant', 'origin']) {
      const cases = [
        { body: event(`s-${attr}`, { [attr]: 'x' }), headers: structured },
        { body: [event(`a-${attr}`, { [attr]: 'x' }), event(`z-${attr}`)], headers: batch },
        { body: {}, headers: binary(attr) },
      ];
      for (const c of cases) {
        const res = await call(deps, 'POST', '/events', c);
        expect([attr, res.status, res.json.code, res.json.attributes]).toEqual([attr, 400, 'reserved_attribute', [attr]]);
      }
    }
    expect(bus.events).toHaveLength(0);
  });

  test('a batch with one invalid event is refused whole: 400 naming its index, nothing published', async () => {
    const { deps, bus } = apiDeps();
    const res = await call(deps, 'POST', '/events', { body: [event('ok-1'), { specversion: '1.0', id: 'bad', source: 's' }, event('ok-2')], headers: batch });
    expect([res.status, res.json.code]).toEqual([400, 'invalid_event']);
    expect(res.json.problems).toEqual([expect.stringMatching(/^\[1\]\.type: /)]);
    expect(bus.events).toHaveLength(0);
  });

  test('64 KiB per event exactly: 65,536 bytes are accepted, 65,537 are 413, in structured and batch mode', async () => {
    const { deps, bus } = apiDeps();
    // An event whose compact JSON is exactly `bytes` long (ASCII padding in data).
    const sized = (id: string, bytes: number) => {
      const pad = bytes - JSON.stringify(event(id, { data: '' })).length;
      const e = event(id, { data: 'x'.repeat(pad) });
      expect(Buffer.byteLength(JSON.stringify(e))).toBe(bytes);
      return e;
    };
    const LIMIT = 64 * 1024;
    expect((await call(deps, 'POST', '/events', { body: sized('s-fit', LIMIT), headers: structured })).status).toBe(202);
    expect((await call(deps, 'POST', '/events', { body: [event('b-0'), sized('b-fit', LIMIT)], headers: batch })).status).toBe(202);
    const over = await call(deps, 'POST', '/events', { body: sized('s-over', LIMIT + 1), headers: structured });
    expect([over.status, over.json.code]).toEqual([413, 'payload_too_large']);
    const batchOver = await call(deps, 'POST', '/events', { body: [event('b-1'), sized('b-over', LIMIT + 1)], headers: batch });
    expect([batchOver.status, batchOver.json.code, batchOver.json.index]).toEqual([413, 'payload_too_large', 1]);
    expect(bus.events.map((e: CloudEvent) => e.id)).toEqual(['s-fit', 'b-0', 'b-fit']);
  });

  test('100 events per batch: 100 are published, 101 are 413 batch_too_large and none is', async () => {
    const { deps, bus } = apiDeps();
    const many = (n: number, p: string) => Array.from({ length: n }, (_, i) => event(`${p}-${i}`));
    const ok = await call(deps, 'POST', '/events', { body: many(100, 'ok'), headers: batch });
    expect([ok.status, ok.json.ids.length]).toEqual([202, 100]);
    const over = await call(deps, 'POST', '/events', { body: many(101, 'over'), headers: batch });
    expect([over.status, over.json.code, over.json.limit]).toEqual([413, 'batch_too_large', 100]);
    expect(bus.events).toHaveLength(100);
  });

  test('invalid events are 400 invalid_event; other CloudEvents formats 415; over 64 KiB 413', async () => {
    const { deps } = apiDeps();
    const invalid = await call(deps, 'POST', '/events', { body: { specversion: '1.0', id: 'x' }, headers: structured });
    expect([invalid.status, invalid.json.code]).toEqual([400, 'invalid_event']);
    expect((await call(deps, 'POST', '/events', { body: '{', headers: structured })).json.code).toBe('malformed_body');
    expect((await call(deps, 'POST', '/events', { body: '<e/>', headers: { 'content-type': 'application/cloudevents+xml' } })).status).toBe(415);
    const big = await call(deps, 'POST', '/events', { body: event('big', { data: 'x'.repeat(70_000) }), headers: structured });
    expect([big.status, big.json.code]).toEqual([413, 'payload_too_large']);
  });

  test('data nested deeper than 200 levels is 400 malformed_body in every mode, not a 500 or a retryable publish failure', async () => {
    const { deps, bus } = apiDeps();
    // 30,000 nested arrays fit in 64 KiB; serialising them (bus, batch size check) overflows the stack.
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const inner = `{"specversion":"1.0","id":"d1","source":"s","type":"t","data":${deep}}`;
    const cases = [
      { body: inner, headers: structured },
      { body: `[${inner}]`, headers: batch },
      { body: deep, headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'd2', 'ce-source': 's', 'ce-type': 't' } },
    ];
    for (const c of cases) {
      const res = await call(deps, 'POST', '/events', c);
      expect([res.status, res.json.code]).toEqual([400, 'malformed_body']);
    }
    expect(bus.events).toHaveLength(0);
    const ok = await call(deps, 'POST', '/events', { body: event('d3', { data: JSON.parse(`${'['.repeat(190)}${']'.repeat(190)}`) }), headers: structured });
    expect(ok.status).toBe(202);
  });

  test('an attribute named __proto__ is an invalid attribute in every mode, never the object\'s prototype', async () => {
    const { deps, bus } = apiDeps();
    const inner = '{"specversion":"1.0","id":"p1","source":"s","type":"t","tenant":"globex"}';
    const cases = [
      { body: `{"__proto__":${inner}}`, headers: structured },
      { body: `[{"__proto__":${inner}}]`, headers: batch },
      { body: `{"__proto__":{"tenant":"globex"},"specversion":"1.0","id":"p2","source":"s","type":"t"}`, headers: structured },
      { body: '{}', headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'p3', 'ce-source': 's', 'ce-type': 't', 'ce-__proto__': 'x' } },
    ];
    for (const c of cases) {
      const res = await call(deps, 'POST', '/events', c);
      expect([res.status, res.json.code]).toEqual([400, 'invalid_event']);
      expect(JSON.stringify(res.json.problems ?? res.json)).toContain('__proto__');
    }
    expect(bus.events).toHaveLength(0);
  });

  test('401 without a valid key, 403 without events:write', async () => {
    const { deps, bus } = apiDeps();
    const none = await call(deps, 'POST', '/events', { key: null, body: event('a'), headers: structured });
    expect([none.status, none.json.code, none.headers.get('www-authenticate')]).toEqual([401, 'unauthorized', 'Bearer']);
    expect((await call(deps, 'POST', '/events', { key: 'wrong-key-0123456789abcdefgh', body: event('a'), headers: structured })).status).toBe(401);
    const reader = await call(deps, 'POST', '/events', { key: KEY.reader, body: event('a'), headers: structured });
    expect([reader.status, reader.json.code]).toEqual([403, 'forbidden_scope']);
    expect(bus.events).toHaveLength(0);
  });

  test('a publish failure is 503 publish_failed naming what was published; resending is then safe', async () => {
    const { deps, bus } = apiDeps();
    const publish = bus.publish.bind(bus);
    let calls = 0;
    deps.bus = { ...bus, publish: async (e) => (++calls === 2 ? Promise.reject(new Error('queue down at 10.1.2.3')) : publish(e)) };
    const res = await call(deps, 'POST', '/events', { body: [event('a'), event('b'), event('c')], headers: batch });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.json).toMatchObject({ code: 'publish_failed', published: 1, ids: ['a'] });
    expect(res.text).not.toContain('10.1.2.3');
    const again = await call(deps, 'POST', '/events', { body: [event('a'), event('b'), event('c')], headers: batch });
    expect(again.status).toBe(202);
    // 'a' twice on the bus: consumers deduplicate on the event id.
    expect(bus.events.map((e: CloudEvent) => e.id)).toEqual(['a', 'a', 'b', 'c']);
  });

  test('an event larger than the bus takes is 413 event_too_large, not a retryable 503', async () => {
    const { deps, bus } = apiDeps();
    const publish = bus.publish.bind(bus);
    const tooLarge = Object.assign(new AppError('bus_message_too_large', 'Event b is 70000 bytes', { status: 500, retryable: false, expose: false }));
    deps.bus = { ...bus, publish: async (e) => (e.id === 'b' ? Promise.reject(tooLarge) : publish(e)) };
    const res = await call(deps, 'POST', '/events', { body: [event('a'), event('b')], headers: batch });
    expect(res.status).toBe(413);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(res.json).toMatchObject({ code: 'event_too_large', published: 1, ids: ['a'] });
  });

  test.each([
    ['a webhook source', '/webhooks/github'],
    ['a webhook source in another case', '/WebHooks/github'],
    ['a schedule', '//secorch/schedules/nightly'],
    ['a bucket drop', '//storage/reports'],
    ['delivery notices', 'secorch/deliveries'],
    ['Security Hub findings', 'aws.securityhub'],
    ['GuardDuty findings in another case', 'AWS.GuardDuty'],
  ])('the source of the server\'s own events is 400 reserved_source in every mode, nothing published: %s', async (_n, source) => {
    const { deps, bus } = apiDeps();
    const binary = { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'b-1', 'ce-source': encodeURIComponent(source), 'ce-type': 't' };
    const cases = [
      { body: event('s-1', { source }), headers: structured },
      { body: [event('ok'), event('a-1', { source })], headers: batch },
      { body: {}, headers: binary },
    ];
    for (const c of cases) {
      const res = await call(deps, 'POST', '/events', c);
      expect([res.status, res.json.code]).toEqual([400, 'reserved_source']);
      expect(res.json.problems).toEqual([expect.stringMatching(/^(\[1\]\.)?source: /)]);
    }
    expect(bus.events).toHaveLength(0);
  });

  test('sources that only resemble the server\'s are the client\'s to use', async () => {
    const { deps, bus } = apiDeps();
    const sources = ['https://ci.example.com/webhooks/github', '/api/webhooks/github', 'webhooks/github', '/webhooksx', '/secorch/deliveries', '//storage-scanner/x'];
    const res = await call(deps, 'POST', '/events', { body: sources.map((source, i) => event(`r-${i}`, { source })), headers: batch });
    expect(res.status).toBe(202);
    expect(bus.events.map((e: CloudEvent) => e.source)).toEqual(sources);
  });

  test('a client cannot take the place of a scheduled event: its (source, id) is derivable, and deliveries are keyed on it', async () => {
    const { deps, bus, clock } = apiDeps();
    const sub = (await call(deps, 'POST', '/subscriptions', { body: { url: 'https://example.com/hook' } })).json;
    // The event the schedule "nightly" will publish at its next due time: its id is a digest of facts a client knows.
    const genuine = scheduledEvent({ type: 'emit', eventType: 'com.example.nightly' }, 'nightly', 'acme', clock.now() + 3_600_000);
    const forged = { specversion: '1.0', id: genuine.id, source: genuine.source, type: genuine.type, data: { forged: true } };
    const res = await call(deps, 'POST', '/events', { key: KEY.publisher, body: forged, headers: structured });
    expect([res.status, res.json.code]).toEqual([400, 'reserved_source']);
    for (const e of bus.events) await fanOut(e, deps); // what the router would do with an accepted one
    const fanned = await fanOut(genuine, deps);
    expect(fanned.created.map((d) => d.subscriptionId)).toEqual([sub.id]);
    const stored = await deps.store.get(keys.event('acme', eventRef(genuine.source, genuine.id)));
    expect(JSON.parse(stored!.value)).toMatchObject({ origin: 'schedule:nightly' });
  });

  test('a client cannot take the place of an AWS finding event: cloud-findings derives its id from the finding, and it is the default tenant\'s', async () => {
    const key = 'default-publisher-key-0123456789abcdef';
    const { deps, bus } = apiDeps({ api: { keys: { ...apiConfig.api.keys, 'default-publisher': { key, tenant: 'default', scopes: ['events:write'] } } } });
    await cloudFindings({ id: 'r-1', body: JSON.stringify(importedEvent()), attributes: {} }, deps);
    const [genuine] = bus.events.splice(0);
    // What a client that can read Security Hub knows in advance: the finding's uid, UpdatedAt and fields.
    const forged = { specversion: '1.0', id: genuine!.id, source: genuine!.source, type: genuine!.type, data: { forged: true } };
    const res = await call(deps, 'POST', '/events', { key, body: forged, headers: structured });
    expect([res.status, res.json.code]).toEqual([400, 'reserved_source']);
    expect(bus.events).toHaveLength(0);
  });
});
