import jsonata from 'jsonata';
import { testDeps } from '../../../test/deps';
import { type Delivery, rotateSecrets, type Subscription } from '../model';
import type { DeliveryDeps } from './deps';
import { buildRequest, TransformFailed } from './request';

/**
 * Attempts with a transform parse no JSONata on the thread that builds them, the one that runs
 * every tenant's attempts: the transform worker compiles the text (and keeps what it compiled).
 * jsonata's parser takes over 100 ms on some texts within the length limit, and compiling it for
 * every attempt, only to check what was checked when the subscription was saved, stalled the
 * delivery loop that long per attempt. Every jsonata compile of this thread is counted.
 */
jest.mock('jsonata', () => {
  const actual = jest.requireActual<typeof import('jsonata')>('jsonata');
  return jest.fn((...args: Parameters<typeof actual>) => actual(...args));
});

const T0 = Date.parse('2026-03-01T12:00:00Z');
const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const eventText = JSON.stringify({ specversion: '1.0', id: 'e1', source: 'test', type: 't', data: { a: 1, title: 'open' } });
const delivery = { id: 'msg_1', tenant: 'default', subscriptionId: 'sub_1' } as Delivery;

async function setup() {
  const deps = testDeps({}, {}, T0).deps as DeliveryDeps;
  const sealed = await deps.sealer.seal(secret, { tenant: 'default', subscription: 'sub_1' });
  const sub = (transform: string): Subscription => ({
    id: 'sub_1', tenant: 'default', url: 'https://example.com/hook', enabled: true, createdAt: '', updatedAt: '', secrets: rotateSecrets([], sealed, T0 - 1000, 0), transform,
  });
  jest.mocked(jsonata).mockClear();
  return { deps, sub };
}

test('the transform is applied on every attempt, and compiled on none in this thread', async () => {
  const { deps, sub } = await setup();
  const s = sub('{ "title": $uppercase(data.title), "n": data.a }');
  for (let i = 0; i < 10; i++) {
    // The sweep reads the record anew: a new object with the same transform.
    const request = await buildRequest(deps, i % 2 === 0 ? s : { ...s }, delivery, eventText);
    expect(JSON.parse(request.body.toString('utf8'))).toMatchObject({ id: 'e1', datacontenttype: 'application/json', data: { title: 'OPEN', n: 1 } });
  }
  expect(jsonata).not.toHaveBeenCalled();
});

test('a stored transform that does not compile fails every attempt as transform_failed, with where jsonata stopped', async () => {
  const { deps, sub } = await setup();
  const s = sub('{ "a": data.x ');
  for (let i = 0; i < 3; i++) {
    const built = Promise.resolve().then(() => buildRequest(deps, s, delivery, eventText));
    await expect(built).rejects.toBeInstanceOf(TransformFailed);
    await expect(built).rejects.toMatchObject({ code: 'transform_failed', message: expect.stringMatching(/^transform failed: S0\d{3} at position \d+: /) });
  }
  expect(jsonata).not.toHaveBeenCalled();
});
