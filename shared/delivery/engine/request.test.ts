import { Webhook } from 'standardwebhooks';
import { testDeps } from '../../../test/deps';
import { type Delivery, rotateSecrets, type Subscription } from '../model';
import type { DeliveryDeps } from './deps';
import { buildRequest, TransformFailed } from './request';

/**
 * Which secrets sign a request. The engine keeps the keys chosen for a subscription record while
 * the same secrets sign (request.ts): these tests make sure that what it keeps never outlives a
 * rotation's overlap, a clock set back, or a record replaced by a new one.
 */
const T0 = Date.parse('2026-03-01T12:00:00Z');
const S = 1000;
const oldSecret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const newSecret = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const third = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const eventText = JSON.stringify({ specversion: '1.0', id: 'e1', source: 'test', type: 't', data: { a: 1 } });

function setup() {
  const t = testDeps({}, {}, T0);
  const deps = t.deps as DeliveryDeps;
  const delivery = { id: 'msg_1', tenant: 'default', subscriptionId: 'sub_1' } as Delivery;
  const sub = async (secrets: string[], overlapMs: number): Promise<Subscription> => {
    let list: Subscription['secrets'] = [];
    for (const [i, s] of secrets.entries()) {
      const sealed = await deps.sealer.seal(s, { tenant: 'default', subscription: 'sub_1' });
      list = rotateSecrets(list, sealed, T0 - (secrets.length - i) * S, overlapMs);
    }
    return { id: 'sub_1', tenant: 'default', url: 'https://example.com/hook', enabled: true, createdAt: '', updatedAt: '', secrets: list };
  };
  /**
   * The secrets (of those given) whose signature the request carries, each recomputed with the
   * standardwebhooks library (its verify would check the timestamp against the real time).
   */
  const signers = async (s: Subscription, candidates: string[]) => {
    const request = await buildRequest(deps, s, delivery, eventText);
    const { headers } = request;
    // The event's bytes, unchanged.
    const body = request.body.toString('utf8');
    expect(body).toBe(eventText);
    const entries = headers['webhook-signature']!.split(' ');
    expect(new Set(entries).size).toBe(entries.length);
    const signedBy = candidates.filter((c) => entries.includes(new Webhook(c).sign(headers['webhook-id']!, new Date(Number(headers['webhook-timestamp']) * 1000), body)));
    // Nothing else signed it.
    expect(signedBy).toHaveLength(entries.length);
    return signedBy;
  };
  return { ...t, deps, sub, signers };
}

test('both secrets sign during the overlap; once the old one expires, the same record is signed by the new one alone', async () => {
  const s = setup();
  // The old secret stays live until T0 + 10 s - 1 s (it was replaced a second before T0).
  const sub = await s.sub([oldSecret, newSecret], 10 * S);
  expect(await s.signers(sub, [oldSecret, newSecret])).toEqual([oldSecret, newSecret]);
  s.clock.advance(8 * S);
  expect(await s.signers(sub, [oldSecret, newSecret])).toEqual([oldSecret, newSecret]);
  s.clock.advance(2 * S);
  expect(await s.signers(sub, [oldSecret, newSecret])).toEqual([newSecret]);
  // A clock set back (an injected one can be) is inside the overlap again: both sign again.
  s.clock.set(T0);
  expect(await s.signers(sub, [oldSecret, newSecret])).toEqual([oldSecret, newSecret]);
});

test('a record rotated again is a new record: its secrets sign, not the ones chosen for the record before', async () => {
  const s = setup();
  const before = await s.sub([oldSecret, newSecret], 60 * S);
  expect(await s.signers(before, [oldSecret, newSecret, third])).toEqual([oldSecret, newSecret]);
  const sealed = await s.deps.sealer.seal(third, { tenant: 'default', subscription: 'sub_1' });
  // Rotated with no overlap: only the third secret signs from now on.
  const after: Subscription = { ...before, secrets: rotateSecrets(before.secrets, sealed, s.clock.now(), 0) };
  expect(await s.signers(after, [oldSecret, newSecret, third])).toEqual([third]);
  expect(await s.signers(before, [oldSecret, newSecret, third])).toEqual([oldSecret, newSecret]);
});

// The stored event is what fan-out wrote; one that a transform cannot be applied to (a record
// damaged in the store, written by something else) fails the delivery as the transform failing on
// it, as a transform's own error does, not as an internal error: a retry would meet the same text.
test.each([['null', 'Cannot destructure'], ['{"id": "e1", "data": ', 'JSON']])('a transform on a stored event it cannot be applied to (%s) fails as transform_failed', async (stored, says) => {
  const s = setup();
  const sub: Subscription = { ...(await s.sub([newSecret], 0)), transform: 'data' };
  const built = Promise.resolve().then(() => buildRequest(s.deps, sub, { id: 'msg_1', tenant: 'default', subscriptionId: 'sub_1' } as Delivery, stored));
  await expect(built).rejects.toBeInstanceOf(TransformFailed);
  await expect(built).rejects.toMatchObject({ code: 'transform_failed', message: expect.stringContaining(says) });
});
