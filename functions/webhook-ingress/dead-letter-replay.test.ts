import { listDeadLetters } from '../../shared/deadletters/store';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { githubHeaders } from '../../test/support/sign';
import { replayWebhook } from './dead-letter';
import { webhookIngress } from './handler';

/**
 * A webhook dead letter replayed as the original request would have been published: the same
 * event ids on every replay, and the time it was received (not the time of the replay).
 */
const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;
const KEY = 'tool-api-key-0123456789abcdef';
const SECRET = 'test-github-secret';
const GRAPH_STATE = 'graph-client-state-7f3a9c1e5b';
const config = {
  sources: {
    // A credential scheme without idHeader/idPath: the delivery carries no identity of its own.
    tool: { verify: { scheme: 'api-key', keys: [KEY] }, tenant: 'acme' },
    // No mapper: the payload becomes secorch.webhook.received, stamped with the time of receipt.
    raw: { verify: { scheme: 'github', secret: SECRET }, tenant: 'acme' },
    // Authenticated by a secret inside the body (Graph's clientState).
    graph: { verify: { scheme: 'msgraph', secret: GRAPH_STATE }, tenant: 'acme' },
  },
};

async function deadLetterOf(ctx: ReturnType<typeof testDeps>, req: Request) {
  ctx.bus.failNext();
  expect((await webhookIngress(req, ctx.deps)).status).toBe(503);
  const [record, ...more] = (await listDeadLetters(ctx.deps, 'acme')).items.map((i) => i.record);
  expect(more).toEqual([]);
  return record!;
}

const published = (events: CloudEvent[]) => events.filter((e) => !e.type.startsWith('secorch.audit.'));

describe('replaying a webhook dead letter', () => {
  test('a delivery without an identity gets the same event ids on every replay, so consumers can deduplicate them', async () => {
    const ctx = testDeps(config, {}, T0);
    const body = '{"alert":{"id":7,"severity":"high"}}';
    const record = await deadLetterOf(ctx, new Request('https://hooks.example.com/webhooks/tool', {
      method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    }));
    expect(record.deliveryId).toBeUndefined();
    expect(record.signature).toBeUndefined();

    const first = await replayWebhook(ctx.deps, record);
    const second = await replayWebhook(ctx.deps, record);
    expect(first).toHaveLength(1);
    expect(second).toEqual(first);
    expect(published(ctx.bus.events).map((e) => e.id)).toEqual([...first, ...first]);
  });

  test('a delivery whose body holds its credential is replayed without it, as the ingress publishes it', async () => {
    const ctx = testDeps(config, {}, T0);
    const body = JSON.stringify({ value: [{ id: 'lsgTZMr9KwAAA', clientState: GRAPH_STATE, changeType: 'created', resource: 'users/{user_guid}/messages/{id}' }] });
    const record = await deadLetterOf(ctx, new Request('https://hooks.example.com/webhooks/graph', {
      method: 'POST', body, headers: { 'content-type': 'application/json' },
    }));
    await replayWebhook(ctx.deps, record);
    const [event] = published(ctx.bus.events);
    expect(event!.data).toEqual({ value: [{ id: 'lsgTZMr9KwAAA', changeType: 'created', resource: 'users/{user_guid}/messages/{id}' }] });
  });

  test('a replay days later keeps the time the delivery was received', async () => {
    const ctx = testDeps(config, {}, T0);
    const body = new TextEncoder().encode('{"zen":"Keep it logically awesome."}');
    const record = await deadLetterOf(ctx, new Request('https://hooks.example.com/webhooks/raw', {
      method: 'POST', body: body as BodyInit, headers: githubHeaders(SECRET, body, 'ping', 'd-replay-time'),
    }));
    expect(record.receivedAt).toBe(new Date(T0).toISOString());

    ctx.clock.advance(3 * DAY);
    await replayWebhook(ctx.deps, record);
    const [event] = published(ctx.bus.events);
    expect(event).toMatchObject({ type: 'secorch.webhook.received', time: record.receivedAt, deliveryid: 'd-replay-time' });
  });
});
