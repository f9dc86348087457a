import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { testDeps } from '../../../test/deps';
import { fixtureBytes, fixtureJson } from '../../../test/fixtures';
import type { MessagePublishedData } from '../pubsub';
import { gcpSchedulerHttp, gcpSchedulerPubSub } from './scheduler';

/**
 * Both Cloud Scheduler target forms through the real functions-framework server: an HTTP request
 * with Cloud Scheduler's headers, and the real Pub/Sub messagePublished CloudEvent (see
 * ../shared/fixtures/SOURCES.md) as Eventarc pushes it. The emitted event's time shows which
 * instant the tick stood for: the clock is set before the schedule time the platform sent.
 */
const PUBLISHED = 'events/gcp-cloudevent-structured-pubsub-messagePublished.json';
const CLOCK = Date.parse('2021-02-05T04:05:00Z');
const schedules = {
  minutely: { everySeconds: 60, job: { type: 'emit', eventType: 'secorch.system.tick' } },
  broken: { everySeconds: 60, job: { type: 'archive-flush' } },
};
let current = testDeps({ schedules: { minutely: schedules.minutely } }, {}, CLOCK);
functions.http('schedulerHttpTest', gcpSchedulerHttp(async () => current.deps));
functions.cloudEvent<MessagePublishedData>('schedulerPubSubTest', gcpSchedulerPubSub(async () => current.deps));
beforeEach(() => void (current = testDeps({ schedules: { minutely: schedules.minutely } }, {}, CLOCK)));

test('HTTP: the job name and schedule time come from the Cloud Scheduler headers; 200 with the report', async () => {
  const res = await request(getTestServer('schedulerHttpTest'))
    .post('/')
    .set({ 'x-cloudscheduler': 'true', 'x-cloudscheduler-jobname': 'secorch-tick', 'x-cloudscheduler-scheduletime': '2021-02-05T04:07:00Z' })
    .send('');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ name: 'secorch-tick', ok: true, details: { schedules: { minutely: { status: 'ran', due: '2021-02-05T04:07:00.000Z' } } } });
  expect(current.bus.events.map((e) => e.time)).toEqual(['2021-02-05T04:07:00.000Z']);
});

test('HTTP: a failed schedule answers 500 (the attempt shows as failed in the job log); the others ran', async () => {
  current = testDeps({ schedules, destinations: { lake: { type: 'archive', bucket: 'b' } } }, {}, CLOCK);
  const res = await request(getTestServer('schedulerHttpTest')).post('/').send('');
  expect(res.status).toBe(500);
  expect(res.body).toMatchObject({ name: 'scheduler', ok: false, details: { schedules: { broken: { ok: false, error: { code: 'destination_unavailable' } }, minutely: { ok: true } } } });
  expect(current.bus.events).toHaveLength(1);
});

test('Pub/Sub: the real messagePublished event ticks at its publish time and is acked', async () => {
  const res = await request(getTestServer('schedulerPubSubTest'))
    .post('/')
    .set('content-type', 'application/cloudevents+json')
    .send(fixtureBytes(PUBLISHED).toString('utf8'));
  expect(res.status).toBe(204);
  expect(current.bus.events.map((e) => e.time)).toEqual(['2021-02-05T04:06:00.000Z']);
});

test('Pub/Sub: a failed schedule is still acked (a redelivery would rerun nothing)', async () => {
  current = testDeps({ schedules, destinations: { lake: { type: 'archive', bucket: 'b' } } }, {}, CLOCK);
  const event = fixtureJson<{ data: MessagePublishedData }>(PUBLISHED);
  event.data.message.attributes = { name: 'secorch-tick' };
  const res = await request(getTestServer('schedulerPubSubTest')).post('/').set('content-type', 'application/cloudevents+json').send(JSON.stringify(event));
  expect(res.status).toBe(204);
  expect(JSON.parse((await current.deps.store.get('schlast:broken'))!.value)).toMatchObject({ ok: false, code: 'destination_unavailable' });
});

test('Pub/Sub, direct push: an attribute-only message (left unconverted by the framework) ticks at its publish time', async () => {
  // A Cloud Scheduler job may publish attributes only; a direct push subscription posts the bare push body.
  const push = { message: { attributes: { name: 'secorch-tick' }, messageId: 'm-1', publishTime: '2021-02-05T04:06:14.109Z' }, subscription: 'projects/p/subscriptions/s' };
  const res = await request(getTestServer('schedulerPubSubTest')).post('/').set('content-type', 'application/json').send(JSON.stringify(push));
  expect(res.status).toBe(204);
  expect(current.bus.events.map((e) => e.time)).toEqual(['2021-02-05T04:06:00.000Z']);
});
