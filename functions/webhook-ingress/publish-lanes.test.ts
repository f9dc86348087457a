import type { CloudEvent } from '../../shared/events/cloudevent';
import { listDeadLetters } from '../../shared/deadletters/store';
import { AppError } from '../../shared/errors';
import type { EventBus } from '../../shared/ports';
import { testDeps } from '../../test/deps';
import { PUBLISH_LANES } from './dead-letter';
import { webhookIngress } from './handler';

/**
 * A delivery that maps to many events (an Okta event hook batch) publishes them side by side, at
 * most PUBLISH_LANES at a time, in order; after a failed publish no further one starts. The bus
 * is a stand-in that holds each publish until the test lets it finish, to see what is in flight.
 */
const SECRET = 'okta-hook-secret';
const config = { sources: { okta: { verify: { scheme: 'api-key', keys: [SECRET] }, mapper: 'okta' } } };
const hook = (n: number) => JSON.stringify({
  eventType: 'com.okta.event_hook', eventTypeVersion: '1.0', cloudEventsVersion: '0.1', contentType: 'application/json',
  eventId: 'b5a188b9-5ece-4636-b041-482ffda96311', eventTime: '2019-03-27T16:59:53.032Z',
  data: { events: Array.from({ length: n }, (_, i) => ({
    version: '0', severity: 'INFO', actor: { id: '00u1qw6mqitPHM8AJ0g7', type: 'User', alternateId: 'admin@example.com', displayName: 'Example Admin' },
    client: { ipAddress: '12.97.85.90' }, outcome: { result: 'SUCCESS' }, uuid: `f790999f-fe87-467a-9880-${String(i).padStart(12, '0')}`,
    published: '2018-03-28T22:23:07.777Z', eventType: 'user.session.start', displayMessage: 'User login to Okta',
  })) },
});
const post = (body: string) =>
  new Request('https://hooks.example.com/webhooks/okta', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': SECRET } });

/** Each publish waits a turn; `failAt` makes the publish of that event (by order of call) fail. */
function heldBus(failAt?: number) {
  const started: string[] = [];
  const done: string[] = [];
  let inFlight = 0;
  let most = 0;
  const bus: EventBus = {
    publish: async (event: CloudEvent) => {
      if (event.type.startsWith('secorch.audit.')) return;
      const n = started.push(event.id) - 1;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight -= 1;
      if (n === failAt) throw new AppError('bus_unavailable', 'the queue is down', { status: 503, retryable: true });
      done.push(event.id);
    },
    check: async () => undefined,
  };
  return { bus, started, done, most: () => most };
}

test('a batch of 30 events: every one published, never more than the lanes at once, started in the order the mapper gave', async () => {
  const { deps } = testDeps(config);
  const held = heldBus();
  deps.bus = held.bus;
  const res = await webhookIngress(post(hook(30)), deps);
  expect(res.status).toBe(202);
  const { ids } = (await res.json()) as { ids: string[] };
  expect(ids).toHaveLength(30);
  expect(held.started).toEqual(ids);
  expect(new Set(held.done)).toEqual(new Set(ids));
  expect(held.most()).toBe(PUBLISH_LANES);
});

test('a failed publish starts no further one, waits for those in flight, and answers 503 with the delivery kept', async () => {
  const { deps } = testDeps(config);
  const held = heldBus(0);
  deps.bus = held.bus;
  const res = await webhookIngress(post(hook(30)), deps);
  expect(res.status).toBe(503);
  expect(((await res.json()) as { code: string }).code).toBe('publish_failed');
  // The other lanes' first events were under way when the first one failed; nothing after them started.
  expect(held.started).toHaveLength(PUBLISH_LANES);
  expect(held.done).toHaveLength(PUBLISH_LANES - 1);
  expect((await listDeadLetters(deps, 'default')).items.map((i) => i.record.reason.code)).toEqual(['publish_failed']);
});

test('one event is published as before, alone', async () => {
  const { deps } = testDeps(config);
  const held = heldBus();
  deps.bus = held.bus;
  expect((await webhookIngress(post(hook(1)), deps)).status).toBe(202);
  expect(held.started).toHaveLength(1);
});
