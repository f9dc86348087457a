import { keepDeadLetter } from '../../shared/deadletters/store';
import { apiDeps, call } from './testkit';

/** POST /dead-letters/{id}/replay answers what happened to the event, whatever happens to the count. */
const reason = { code: 'destination_failed', message: 'jira: 400' };
const event = { specversion: '1.0', id: 'e-count', source: '/x', type: 'x.y', tenant: 'acme' };

describe('POST /dead-letters/{id}/replay', () => {
  test('an event published but whose replay count cannot be written is 202: the caller must not replay (and publish) it again', async () => {
    const ctx = apiDeps();
    const { id } = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: JSON.stringify(event) });
    const put = ctx.deps.store.put.bind(ctx.deps.store);
    // The store refuses writes to dead letters from now on (reads still work): the count is lost.
    jest.spyOn(ctx.deps.store, 'put').mockImplementation((key, ...rest) => (key.startsWith('dlq:') ? Promise.reject(new Error('store down')) : put(key, ...rest)));

    const res = await call(ctx.deps, 'POST', `/dead-letters/${id}/replay`);
    expect(ctx.bus.events).toEqual([event]);
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ ids: ['e-count'] });
  });
});
