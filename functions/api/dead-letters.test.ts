import { type DeadLetter, keepDeadLetter } from '../../shared/deadletters/store';
import { keys, sortableId } from '../../shared/delivery/keys';
import { AppError } from '../../shared/errors';
import { fixtureBytes } from '../../test/fixtures';
import { githubHeaders } from '../../test/support/sign';
import { webhookIngress } from '../webhook-ingress/handler';
import { MAX_LISTED_CHARS } from './dead-letters';
import { MAX_SCANNED } from './deliveries';
import { apiDeps, call, countReads, KEY } from './testkit';

const SECRET = 'test-github-secret';
const sources = { github: { verify: { scheme: 'github', secret: SECRET }, mapper: 'github', tenant: 'acme' } };
const codeScanning = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
const reason = { code: 'invalid_event', message: 'Not a CloudEvent' };

/** A real webhook dead letter: the ingress kept it because the bus failed. */
async function failedWebhook(ctx: ReturnType<typeof apiDeps>, delivery = 'd-api-1') {
  ctx.bus.failNext();
  const req = new Request('https://hooks.example.com/webhooks/github', { method: 'POST', body: codeScanning as BodyInit, headers: githubHeaders(SECRET, codeScanning, 'code_scanning_alert', delivery) });
  expect((await webhookIngress(req, ctx.deps)).status).toBe(503);
  const { json } = await call(ctx.deps, 'GET', '/dead-letters?kind=webhook');
  return json.items.at(-1) as { id: string };
}

describe('/dead-letters', () => {
  test('lists the tenant\'s dead letters oldest first without bodies or signatures, filters and pages', async () => {
    const ctx = apiDeps({ sources });
    const webhook = await failedWebhook(ctx);
    ctx.clock.advance(1000);
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: `poison ${i}` })).id);
      ctx.clock.advance(1000);
    }
    await keepDeadLetter(ctx.deps, { tenant: 'globex', kind: 'event', reason, body: 'theirs' });

    const all = await call(ctx.deps, 'GET', '/dead-letters');
    expect(all.status).toBe(200);
    expect(all.json.items.map((d: { id: string }) => d.id)).toEqual([webhook.id, ...ids]);
    expect(all.json.next_cursor).toBeUndefined();
    expect(all.json.items[0]).toMatchObject({ kind: 'webhook', source: 'github', deliveryId: 'd-api-1', reason: { code: 'publish_failed' }, replays: 0 });
    for (const item of all.json.items) expect(item.body).toBeUndefined();
    expect(all.text).not.toMatch(/signature|sha256=/);

    const events = await call(ctx.deps, 'GET', '/dead-letters?kind=event&limit=2');
    expect(events.json.items.map((d: { id: string }) => d.id)).toEqual(ids.slice(0, 2));
    const rest = await call(ctx.deps, 'GET', `/dead-letters?kind=event&limit=2&cursor=${events.json.next_cursor}`);
    expect(rest.json.items.map((d: { id: string }) => d.id)).toEqual(ids.slice(2));
    expect(rest.json.next_cursor).toBeUndefined();
    expect((await call(ctx.deps, 'GET', '/dead-letters?source=github')).json.items).toHaveLength(1);

    expect((await call(ctx.deps, 'GET', '/dead-letters?kind=nope')).json).toMatchObject({ status: 400, code: 'invalid_query' });
    // Another tenant's cursor is refused, another tenant's list holds only its own.
    const globex = await call(ctx.deps, 'GET', '/dead-letters', { key: KEY.globex });
    expect(globex.json.items.map((d: { body?: string; tenant: string }) => d.tenant)).toEqual(['globex']);
    expect((await call(ctx.deps, 'GET', `/dead-letters?cursor=${events.json.next_cursor}`, { key: KEY.globex })).status).toBe(400);
  });

  test('a sparse filter reads at most MAX_SCANNED records per request and hands back a cursor', async () => {
    const ctx = apiDeps();
    for (let i = 0; i < MAX_SCANNED + 200; i++) {
      await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: `poison ${i}` });
      ctx.clock.advance(1);
    }
    const needle = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'webhook', source: 'github', reason, body: '{}' });
    const list = ctx.deps.store.list.bind(ctx.deps.store);
    let read = 0;
    ctx.deps.store.list = async (prefix, opts) => {
      const page = await list(prefix, opts);
      read += page.items.length;
      return page;
    };
    const first = await call(ctx.deps, 'GET', '/dead-letters?kind=webhook');
    expect(first.json.items).toEqual([]);
    expect(first.json.next_cursor).toEqual(expect.any(String));
    expect(read).toBeLessThanOrEqual(MAX_SCANNED);
    const second = await call(ctx.deps, 'GET', `/dead-letters?kind=webhook&cursor=${first.json.next_cursor}`);
    expect(second.json.items.map((d: { id: string }) => d.id)).toEqual([needle.id]);
    expect(second.json).not.toHaveProperty('next_cursor');
  });

  test('a page of large dead letters is listed without reading their bodies; GET one and replay read the body', async () => {
    const ctx = apiDeps({ sources });
    const big = (i: number) => JSON.stringify({ n: i, pad: 'x'.repeat(256 * 1024) });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const kind = i % 2 === 0 ? 'event' : 'webhook';
      ids.push((await keepDeadLetter(ctx.deps, { tenant: 'acme', kind, source: kind === 'webhook' ? 'github' : undefined, reason, body: big(i) })).id);
      ctx.clock.advance(1);
    }
    const read = countReads(ctx.deps.store);
    const page = await call(ctx.deps, 'GET', '/dead-letters?limit=20');
    expect(page.json.items.map((d: { id: string }) => d.id)).toEqual(ids.slice(0, 20));
    const webhooks = await call(ctx.deps, 'GET', '/dead-letters?kind=webhook&limit=100');
    expect(webhooks.json.items.map((d: { id: string }) => d.id)).toEqual(ids.filter((_, i) => i % 2 === 1));
    // 45 records listed: a few hundred characters each, where one body alone is 256 KiB.
    expect(read.chars).toBeLessThan(64 * 1024);

    const one = await call(ctx.deps, 'GET', `/dead-letters/${ids[4]}`);
    expect(one.json).toMatchObject({ id: ids[4], body: big(4), encoding: 'utf8' });
    expect(read.chars).toBeGreaterThan(256 * 1024);
    const replayed = await call(ctx.deps, 'POST', `/dead-letters/${ids[6]}/replay`);
    expect(replayed.json).toMatchObject({ status: 422, code: 'still_invalid' }); // the stored body, parsed: not a CloudEvent
  });

  test('a dead letter kept with its body inline (before bodies were kept apart) is listed, shown, replayed and discarded', async () => {
    const ctx = apiDeps();
    const event = { specversion: '1.0', id: 'e-old', source: '/x', type: 'x.y', tenant: 'acme' };
    const old: DeadLetter = { id: sortableId('dlq_', ctx.clock.now() - 86_400_000), tenant: 'acme', kind: 'event', reason, receivedAt: '2025-12-31T00:00:00.000Z', body: JSON.stringify(event), encoding: 'utf8', replays: 0 };
    await ctx.deps.store.put(keys.deadLetter('acme', old.id), JSON.stringify(old), { ttlSeconds: 86400 });
    const fresh = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: 'poison' });
    const list = await call(ctx.deps, 'GET', '/dead-letters');
    expect(list.json.items.map((d: { id: string }) => d.id)).toEqual([old.id, fresh.id]);
    for (const item of list.json.items) expect(item.body).toBeUndefined();
    expect((await call(ctx.deps, 'GET', `/dead-letters/${old.id}`)).json).toMatchObject({ id: old.id, body: old.body, replays: 0 });
    expect((await call(ctx.deps, 'POST', `/dead-letters/${old.id}/replay`)).json).toEqual({ ids: ['e-old'] });
    expect((await call(ctx.deps, 'GET', `/dead-letters/${old.id}`)).json).toMatchObject({ body: old.body, replays: 1 });
    for (const id of [old.id, fresh.id]) expect((await call(ctx.deps, 'DELETE', `/dead-letters/${id}`)).status).toBe(204);
    // Nothing of either is left behind: no head, no body.
    for (const prefix of ['dlq:', 'dlqbody:']) expect((await ctx.deps.store.list(prefix)).items).toEqual([]);
  });

  test('records kept with their body inline are read whole, so a scan stops after MAX_LISTED_CHARS with a cursor', async () => {
    const ctx = apiDeps();
    const t0 = ctx.clock.now() - 86_400_000;
    // 201 old-layout records of 48 KiB: the first page of 200 is over 9 MiB.
    const body = 'p'.repeat(48 * 1024);
    for (let i = 0; i < 201; i++) {
      const old: DeadLetter = { id: sortableId('dlq_', t0 + i), tenant: 'acme', kind: 'event', reason, receivedAt: new Date(t0 + i).toISOString(), body, encoding: 'utf8', replays: 0 };
      await ctx.deps.store.put(keys.deadLetter('acme', old.id), JSON.stringify(old), { ttlSeconds: 86400 });
    }
    const read = countReads(ctx.deps.store);
    const first = await call(ctx.deps, 'GET', '/dead-letters?kind=webhook');
    expect(first.json).toEqual({ items: [], next_cursor: expect.any(String) });
    expect(read.items).toBe(200);
    expect(read.chars).toBeGreaterThan(MAX_LISTED_CHARS);
    const rest = await call(ctx.deps, 'GET', `/dead-letters?kind=webhook&cursor=${first.json.next_cursor}`);
    expect(rest.json).toEqual({ items: [] });
  });

  test('GET one shows the raw body (never the signature); another tenant\'s or an unknown id is 404', async () => {
    const ctx = apiDeps({ sources });
    const { id } = await failedWebhook(ctx);
    const one = await call(ctx.deps, 'GET', `/dead-letters/${id}`, { key: KEY.reader });
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id, body: Buffer.from(codeScanning).toString('utf8'), encoding: 'utf8', headers: { 'content-type': 'application/json' } });
    expect(one.json.signature).toBeUndefined();
    for (const path of [`/dead-letters/${id}`, `/dead-letters/${id}/replay`]) {
      const method = path.endsWith('replay') ? 'POST' : 'GET';
      const other = await call(ctx.deps, method, path, { key: KEY.globex });
      expect(other.status).toBe(404);
      expect(other.json.code).toBe('dead_letter_not_found');
    }
    expect((await call(ctx.deps, 'DELETE', `/dead-letters/${id}`, { key: KEY.globex })).status).toBe(404);
    expect((await call(ctx.deps, 'GET', '/dead-letters/dlq_unknown')).status).toBe(404);
    expect((await call(ctx.deps, 'GET', '/dead-letters/a%3Ab')).status).toBe(404);
  });

  test('a body that carries the source\'s credential (Graph clientState) is shown without it; the replay still maps the raw bytes', async () => {
    const state = 'graph-client-state-7f3a9c1e5b';
    const ctx = apiDeps({ sources: { graph: { verify: { scheme: 'msgraph', secret: state }, tenant: 'acme' } } });
    const body = JSON.stringify({ value: [{ id: 'n1', clientState: state, changeType: 'created', resource: 'users/x/messages/y' }] });
    ctx.bus.failNext();
    const req = new Request('https://hooks.example.com/webhooks/graph', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect((await webhookIngress(req, ctx.deps)).status).toBe(503);
    const { id } = (await call(ctx.deps, 'GET', '/dead-letters?kind=webhook')).json.items[0] as { id: string };

    const one = await call(ctx.deps, 'GET', `/dead-letters/${id}`, { key: KEY.reader });
    expect(one.status).toBe(200);
    expect(one.text).not.toContain(state);
    expect(one.json).toMatchObject({ bodyRedacted: true, encoding: 'utf8' });
    expect(JSON.parse(one.json.body as string)).toEqual({ value: [{ id: 'n1', changeType: 'created', resource: 'users/x/messages/y' }] });

    expect((await call(ctx.deps, 'POST', `/dead-letters/${id}/replay`)).status).toBe(202);
    const [event] = ctx.bus.events.filter((e) => !e.type.startsWith('secorch.audit.'));
    expect(event).toMatchObject({ origin: 'webhook:graph', data: { value: [{ id: 'n1', changeType: 'created' }] } });
    expect(JSON.stringify(event)).not.toContain(state);
  });

  test('a webhook the securityhub mapper reads (ASFF) is shown without the credentials its resources carry, as an eventbridge one', async () => {
    const ctx = apiDeps({ sources: { hub: { verify: { scheme: 'api-key', header: 'x-api-key', keys: ['hub-key-0123456789abcdef'] }, mapper: 'securityhub', tenant: 'acme' } } });
    const lambda = { Type: 'AwsLambdaFunction', Id: 'arn:aws:lambda:us-east-1:123456789012:function:billing', Details: { AwsLambdaFunction: { FunctionName: 'billing', Environment: { Variables: { DB_PASSWORD: 'hunter2' } } } } };
    const { id } = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'webhook', source: 'hub', deliveryId: 'd-1', reason, body: JSON.stringify({ Findings: [{ Id: 'f-1', Resources: [lambda] }] }) });
    const one = await call(ctx.deps, 'GET', `/dead-letters/${id}`, { key: KEY.reader });
    expect(one.json).toMatchObject({ bodyRedacted: true, encoding: 'utf8' });
    expect(one.text).not.toContain('hunter2');
    expect(JSON.parse(one.json.body as string).Findings[0].Resources[0].Details.AwsLambdaFunction).toEqual({ FunctionName: 'billing', Environment: { Variables: { DB_PASSWORD: '[redacted]' } } });
  });

  test('scopes: no key is 401; reading needs deliveries:read, replay and delete deliveries:write', async () => {
    const ctx = apiDeps({ sources });
    const { id } = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: 'x' });
    expect((await call(ctx.deps, 'GET', '/dead-letters', { key: null })).status).toBe(401);
    expect((await call(ctx.deps, 'GET', `/dead-letters/${id}`, { key: KEY.publisher })).status).toBe(403);
    expect((await call(ctx.deps, 'GET', '/dead-letters', { key: KEY.reader })).status).toBe(200);
    expect((await call(ctx.deps, 'POST', `/dead-letters/${id}/replay`, { key: KEY.reader })).status).toBe(403);
    expect((await call(ctx.deps, 'DELETE', `/dead-letters/${id}`, { key: KEY.reader })).status).toBe(403);
    expect((await call(ctx.deps, 'POST', `/dead-letters/${id}/replay`, { key: null })).status).toBe(401);
  });

  test('replaying a webhook maps the stored body again and publishes the same event the ingress would have; the record counts it', async () => {
    const ctx = apiDeps({ sources });
    const { id } = await failedWebhook(ctx);
    const res = await call(ctx.deps, 'POST', `/dead-letters/${id}/replay`);
    expect(res.status).toBe(202);
    const published = ctx.bus.events.filter((e) => !e.type.startsWith('secorch.audit.'));
    expect(published).toHaveLength(1);
    expect(res.json).toEqual({ ids: [published[0]!.id] });
    expect(published[0]).toMatchObject({ type: 'secorch.finding.created', tenant: 'acme', origin: 'webhook:github', deliveryid: 'd-api-1' });
    // The sender's own retry yields the same event id, so consumers deduplicate the two.
    const retry = await webhookIngress(new Request('https://hooks.example.com/webhooks/github', { method: 'POST', body: codeScanning as BodyInit, headers: githubHeaders(SECRET, codeScanning, 'code_scanning_alert', 'd-api-1') }), ctx.deps);
    expect(((await retry.json()) as { id: string }).id).toBe(published[0]!.id);
    expect((await call(ctx.deps, 'GET', `/dead-letters/${id}`)).json).toMatchObject({ replays: 1, lastReplayAt: '2026-01-01T00:00:00.000Z' });

    ctx.bus.failNext();
    const failed = await call(ctx.deps, 'POST', `/dead-letters/${id}/replay`);
    expect(failed.json).toMatchObject({ status: 503, code: 'publish_failed' });
    expect((await call(ctx.deps, 'GET', `/dead-letters/${id}`)).json.replays).toBe(1);
  });

  test('a webhook whose source is gone (or now another tenant\'s) is 409 source_unknown', async () => {
    const ctx = apiDeps({ sources: { github: { ...sources.github, tenant: 'globex' } } });
    const gone = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'webhook', source: 'removed', reason, body: '{}', headers: { 'content-type': 'application/json' } });
    const moved = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'webhook', source: 'github', reason, body: '{}', headers: { 'content-type': 'application/json' } });
    for (const { id } of [gone, moved]) expect((await call(ctx.deps, 'POST', `/dead-letters/${id}/replay`)).json).toMatchObject({ status: 409, code: 'source_unknown' });
    expect(ctx.bus.events).toEqual([]);
  });

  test('replaying an event publishes it to the bus when it is valid, else 422 still_invalid', async () => {
    const ctx = apiDeps();
    const event = { specversion: '1.0', id: 'e-1', source: '/x', type: 'x.y', tenant: 'acme' };
    const good = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: JSON.stringify(event) });
    const poison = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: 'not json' });
    const foreign = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: JSON.stringify({ ...event, tenant: 'globex' }) });
    const ok = await call(ctx.deps, 'POST', `/dead-letters/${good.id}/replay`);
    expect(ok.status).toBe(202);
    expect(ok.json).toEqual({ ids: ['e-1'] });
    expect(ctx.bus.events).toEqual([event]);
    for (const { id } of [poison, foreign]) expect((await call(ctx.deps, 'POST', `/dead-letters/${id}/replay`)).json).toMatchObject({ status: 422, code: 'still_invalid' });
    expect(ctx.bus.events).toHaveLength(1);
    expect((await call(ctx.deps, 'GET', `/dead-letters/${poison.id}`)).json.replays).toBe(0);
  });

  test('an event the bus refuses as too large is 413 event_too_large, not a 503 that invites retries', async () => {
    const ctx = apiDeps();
    const event = { specversion: '1.0', id: 'e-big', source: '/x', type: 'x.y', tenant: 'acme' };
    const kept = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: JSON.stringify(event) });
    const tooLarge = new AppError('bus_message_too_large', 'Event e-big is 70000 bytes as a Storage Queue message', { status: 500, retryable: false, expose: false });
    ctx.deps.bus = { ...ctx.deps.bus, publish: async () => { throw tooLarge; } };
    const res = await call(ctx.deps, 'POST', `/dead-letters/${kept.id}/replay`);
    expect(res.status).toBe(413);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(res.json).toMatchObject({ code: 'event_too_large' });
    expect((await call(ctx.deps, 'GET', `/dead-letters/${kept.id}`)).json.replays).toBe(0);
  });

  test('DELETE discards the record: 204, then 404', async () => {
    const ctx = apiDeps();
    const { id } = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: 'x' });
    const del = await call(ctx.deps, 'DELETE', `/dead-letters/${id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await call(ctx.deps, 'GET', `/dead-letters/${id}`)).status).toBe(404);
    expect((await call(ctx.deps, 'DELETE', `/dead-letters/${id}`)).status).toBe(404);
  });
});
