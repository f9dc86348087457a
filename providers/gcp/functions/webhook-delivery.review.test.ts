import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { errors } from '../../../shared/errors';
import type { DeliveryClient } from '../../../shared/http/delivery-client';
import { testDeps } from '../../../test/deps';
import { gcpDeliveryWakeUp } from './webhook-delivery';

/**
 * The wake-up function through the real functions-framework server, posted to as Cloud Tasks
 * does (JSON body, X-CloudTasks-* headers; no Cloud Tasks emulator runs here). Cloud Tasks
 * retries every answer outside 200-299, so only a failure a retry can cure may answer one.
 */
function setup() {
  const t = testDeps();
  // No attempt is made here (none is due): the delivery client only has to be present.
  const outbound = { send: async () => { throw new Error('no HTTP in this test'); }, close: async () => {} } as unknown as DeliveryClient;
  return { ...t, deps: { ...t.deps, outbound } };
}
let current = setup();
functions.http('wakeUpTest', gcpDeliveryWakeUp(async () => current.deps));
beforeEach(() => void (current = setup()));

const task = (body: string) => request(getTestServer('wakeUpTest')).post('/')
  .set({ 'content-type': 'application/json', 'x-cloudtasks-taskname': 'task-1', 'x-cloudtasks-taskretrycount': '0' })
  .send(body);

describe('gcpDeliveryWakeUp (real functions-framework server)', () => {
  it('a wake-up no retry can make valid (an older release\'s format) ends the task with 200 and its code', async () => {
    const res = await task('{"deliveryId":"msg_1","due":"2026-01-01T00:00:00Z"}');
    expect([res.status, res.body]).toEqual([200, { code: 'invalid_wakeup', retryable: false }]);
  });

  it('a transient failure answers 503, so Cloud Tasks tries the task again', async () => {
    current.deps.store.get = async () => {
      throw errors.unavailable('store_unavailable', 'state store unavailable (test)');
    };
    const res = await task(JSON.stringify({ at: current.clock.now(), tenant: 'default', id: 'msg_1' }));
    expect([res.status, res.body]).toEqual([503, { code: 'store_unavailable', retryable: true }]);
  });

  it('a wake-up whose attempt is no longer due (stale) is done: 204', async () => {
    const res = await task(JSON.stringify({ at: current.clock.now(), tenant: 'default', id: 'msg_1' }));
    expect(res.status).toBe(204);
  });
});
