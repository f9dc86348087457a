import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { eventRouter } from '../../functions/event-router/handler';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import { listDeadLetters, rawBody } from '../../shared/deadletters/store';
import { errors } from '../../shared/errors';
import { testDeps } from '../../test/deps';
import { fixtureBytes, fixtureJson } from '../../test/fixtures';
import { gcpPubSub, type MessagePublishedData, PUBSUB_MAX_DELIVERY_ATTEMPTS, PUBSUB_PUBLISHED, pubsubRecord } from './pubsub';

/**
 * The real Pub/Sub CloudEvents from googleapis/google-cloudevents (see ../shared/fixtures/SOURCES.md)
 * replayed through the real functions-framework server as Eventarc pushes them: structured mode
 * (the whole event as application/cloudevents+json) and binary mode (data as the body, context
 * attributes as ce-* headers). No Pub/Sub emulator runs here (TOOLING.md): the push is built
 * from the fixtures, as Eventarc delivers it.
 */
const STRUCTURED = 'events/gcp-cloudevent-structured-pubsub-messagePublished.json';
const BINARY_DATA = 'events/gcp-cloudevent-binary-data-pubsub-messagePublished-complex.json';

const seen: InboundRecord[] = [];
let failWith: Error | undefined;
const handler: RecordHandler = async (record) => {
  seen.push(record);
  if (failWith) throw failWith;
};
functions.cloudEvent<MessagePublishedData>('router', gcpPubSub(handler, async () => testDeps().deps));
/** The real event router behind the same adapter, with one store to look into. */
const routerDeps = testDeps().deps;
functions.cloudEvent<MessagePublishedData>('realRouter', gcpPubSub(eventRouter, async () => routerDeps));

/** The same router over a store that refuses every write: no dead letter can be kept. */
const unwritable = testDeps().deps;
unwritable.store.put = async () => {
  throw errors.unavailable('store_unavailable', 'state store unavailable (test)');
};
functions.cloudEvent<MessagePublishedData>('unwritableRouter', gcpPubSub(eventRouter, async () => unwritable));

/**
 * A direct push subscription's body (not through Eventarc) of a message with attributes and no
 * data: https://cloud.google.com/pubsub/docs/push#receive_push
 */
const ATTRIBUTE_ONLY_PUSH = JSON.stringify({
  message: { attributes: { kind: 'ping' }, messageId: 'attr-only-1', message_id: 'attr-only-1', publishTime: '2021-02-05T04:06:14.109Z' },
  subscription: 'projects/test-project/subscriptions/my-subscription',
});

/** Bytes that are not UTF-8 (0xff never occurs in it), as anyone allowed to publish may send. */
const NOT_UTF8 = Buffer.from([0xff, 0x00, 0xfe, 0x7b, 0x22]);

/** A structured push of the fixture event carrying `data` (base64) as the message data. */
function pushWithData(data: string): string {
  const event = fixtureJson<{ data: MessagePublishedData }>(STRUCTURED);
  event.data.message.data = data;
  return JSON.stringify(event);
}

/** Headers of a binary-mode push; the values are the structured example's attributes. */
const binaryHeaders = {
  'ce-specversion': '1.0',
  'ce-type': PUBSUB_PUBLISHED,
  'ce-source': '//pubsub.googleapis.com/projects/test-project/topics/my-topic',
  'ce-id': '3103425958877813',
  'ce-time': '2021-02-05T04:06:14.109Z',
  'content-type': 'application/json',
};

beforeEach(() => {
  seen.length = 0;
  failWith = undefined;
});

describe('gcpPubSub (real functions-framework CloudEvent server, real Pub/Sub event fixtures)', () => {
  it('structured mode: the handler gets the decoded data, the message id and the attributes; 204 acks', async () => {
    const res = await request(getTestServer('router'))
      .post('/')
      .set('content-type', 'application/cloudevents+json')
      .send(fixtureBytes(STRUCTURED).toString('utf8'));
    expect(res.status).toBe(204);
    expect(seen).toEqual([{ id: 'message-id', body: 'test message 3', attributes: { attr1: 'attr1-value' } }]);
  });

  it('binary mode: ce-* headers plus the data-only body give the same record', async () => {
    const res = await request(getTestServer('router')).post('/').set(binaryHeaders).send(fixtureBytes(BINARY_DATA).toString('utf8'));
    expect(res.status).toBe(204);
    expect(seen).toEqual([{ id: 'message-id', body: 'test message 3', attributes: { attr1: 'attr1-value' } }]);
  });

  it('takes receiveCount from deliveryAttempt, with the attempts the subscription allows, and keeps a CloudEvent JSON payload intact', async () => {
    const event = fixtureJson<{ data: MessagePublishedData }>(STRUCTURED);
    const payload = '{"specversion":"1.0","id":"evt-1","source":"secorch://x","type":"secorch.finding.created","data":{"t":"ü"}}';
    event.data.message.data = Buffer.from(payload, 'utf8').toString('base64');
    event.data.deliveryAttempt = 3;
    await request(getTestServer('router')).post('/').set('content-type', 'application/cloudevents+json').send(JSON.stringify(event)).expect(204);
    expect(seen[0]).toMatchObject({ body: payload, receiveCount: 3, maxReceives: PUBSUB_MAX_DELIVERY_ATTEMPTS });
  });

  it('the attempts allowed are SECORCH_QUEUE_MAX_RECEIVES for a subscription with another, and unknown without a dead-letter policy', () => {
    const event = fixtureJson<functions.CloudEvent<MessagePublishedData>>(STRUCTURED);
    expect(pubsubRecord(event)).not.toHaveProperty('maxReceives'); // no deliveryAttempt: no dead-letter policy
    event.data!.deliveryAttempt = 2;
    expect(pubsubRecord(event)).toMatchObject({ receiveCount: 2, maxReceives: 5 });
    const before = process.env.SECORCH_QUEUE_MAX_RECEIVES;
    process.env.SECORCH_QUEUE_MAX_RECEIVES = '20';
    try {
      expect(pubsubRecord(event)).toMatchObject({ receiveCount: 2, maxReceives: 20 });
    } finally {
      if (before === undefined) delete process.env.SECORCH_QUEUE_MAX_RECEIVES;
      else process.env.SECORCH_QUEUE_MAX_RECEIVES = before;
    }
  });

  it('message bytes that are not UTF-8 arrive as base64 flagged as such', async () => {
    await request(getTestServer('router')).post('/').set('content-type', 'application/cloudevents+json').send(pushWithData(NOT_UTF8.toString('base64'))).expect(204);
    expect(seen).toEqual([{ id: 'message-id', body: NOT_UTF8.toString('base64'), bodyEncoding: 'base64', attributes: { attr1: 'attr1-value' } }]);
  });

  it('the router keeps such a poison message as a dead letter of its exact bytes, marked base64, and acks it', async () => {
    await request(getTestServer('realRouter')).post('/').set('content-type', 'application/cloudevents+json').send(pushWithData(NOT_UTF8.toString('base64'))).expect(204);
    const [kept] = (await listDeadLetters(routerDeps, 'default')).items.map((i) => i.record);
    expect(kept).toMatchObject({ kind: 'event', encoding: 'base64', reason: { code: 'invalid_event' } });
    expect(Buffer.from(rawBody(kept!)).equals(NOT_UTF8)).toBe(true);
  });

  it('keeps a leading byte order mark: the text is the message\'s bytes, and a poison message is kept byte for byte', async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('not an event', 'utf8')]);
    await request(getTestServer('router')).post('/').set('content-type', 'application/cloudevents+json').send(pushWithData(withBom.toString('base64'))).expect(204);
    expect(Buffer.from(seen[0]!.body, 'utf8').equals(withBom)).toBe(true);
    await request(getTestServer('realRouter')).post('/').set('content-type', 'application/cloudevents+json').send(pushWithData(withBom.toString('base64'))).expect(204);
    const kept = (await listDeadLetters(routerDeps, 'default')).items.map((i) => i.record).filter((r) => r.reason.code === 'invalid_event');
    expect(kept.map((r) => Buffer.from(rawBody(r)).equals(withBom))).toContain(true);
  });

  it('a failing handler makes the framework answer an error status, so Pub/Sub nacks and redelivers', async () => {
    const errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      failWith = new Error('downstream said no');
      const res = await request(getTestServer('router')).post('/').set(binaryHeaders).send(fixtureBytes(BINARY_DATA).toString('utf8'));
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.headers['x-google-status']).toBe('error');
      expect(res.text).not.toContain('downstream said no'); // the generic AppError travels, not the cause
      expect(seen).toHaveLength(1);
    } finally {
      errorLog.mockRestore();
    }
  });

  it('a direct push of an attribute-only message (left unconverted by the framework) is a record with an empty body', async () => {
    const res = await request(getTestServer('router')).post('/').set('content-type', 'application/json').send(ATTRIBUTE_ONLY_PUSH);
    expect(res.status).toBe(204);
    expect(seen).toEqual([{ id: 'attr-only-1', body: '', attributes: { kind: 'ping' } }]);
  });

  it('the router keeps such a message, no event, as a dead letter and acks it; unkept, it is redelivered', async () => {
    await request(getTestServer('realRouter')).post('/').set('content-type', 'application/json').send(ATTRIBUTE_ONLY_PUSH).expect(204);
    const kept = (await listDeadLetters(routerDeps, 'default')).items.map((i) => i.record);
    expect(kept.filter((r) => r.reason.code === 'invalid_event' && rawBody(r).byteLength === 0)).toHaveLength(1);
    const errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = await request(getTestServer('unwritableRouter')).post('/').set('content-type', 'application/json').send(ATTRIBUTE_ONLY_PUSH);
      expect(res.status).toBeGreaterThanOrEqual(500);
    } finally {
      errorLog.mockRestore();
    }
  });

  it('an event that is not a Pub/Sub message is kept as a dead letter of what arrived and acked', async () => {
    const res = await request(getTestServer('realRouter'))
      .post('/')
      .set({ ...binaryHeaders, 'ce-type': 'google.cloud.storage.object.v1.finalized', 'ce-id': 'not-pubsub-1' })
      .send('{"bucket":"b","name":"o"}');
    expect(res.status).toBe(204);
    const texts = (await listDeadLetters(routerDeps, 'default')).items.map((i) => Buffer.from(rawBody(i.record)).toString('utf8'));
    const arrived = texts.filter((t) => t.includes('not-pubsub-1')).map((t) => JSON.parse(t) as { id?: string; data?: unknown });
    expect(arrived).toEqual([expect.objectContaining({ id: 'not-pubsub-1', data: { bucket: 'b', name: 'o' } })]);
  });

  it('the handler is not called for it, and when no dead letter can be kept it answers an error status (redelivered)', async () => {
    const errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const push = () => request(getTestServer('unwritableRouter')).post('/')
        .set({ ...binaryHeaders, 'ce-type': 'google.cloud.storage.object.v1.finalized' })
        .send('{"bucket":"b","name":"o"}');
      expect((await push()).status).toBeGreaterThanOrEqual(500);
      await request(getTestServer('router')).post('/').set({ ...binaryHeaders, 'ce-type': 'google.cloud.storage.object.v1.finalized' }).send('{}');
      expect(seen).toHaveLength(0);
    } finally {
      errorLog.mockRestore();
    }
  });
});
