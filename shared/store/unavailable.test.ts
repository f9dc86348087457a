import { AppError, problemResponse } from '../errors';
import { guardStore, storeUnavailable } from './unavailable';

/** What every cloud store's unreachable-service errors become (providers/{aws,azure,postgres,redis}). */
const reason = (e: unknown) => ((e as { code?: string }).code === 'ECONNREFUSED' ? 'connection refused' : undefined);

describe('storeUnavailable', () => {
  it('turns an unreachable service into a retryable 503 with Retry-After, naming store, operation and reason, not the driver text', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432 user=admin'), { code: 'ECONNREFUSED' });
    const err = storeUnavailable('postgres', 'put', cause, reason);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, expose: true, headers: { 'retry-after': '1' }, cause });
    expect((err as Error).message).toBe('postgres state store unavailable during put (connection refused); retry shortly');
    const res = problemResponse(err);
    expect([res.status, res.headers.get('retry-after')]).toEqual([503, '1']);
  });

  it('returns an answer of the service (a refusal, a conflict, a bug) as it is', () => {
    const refusal = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(storeUnavailable('postgres', 'put', refusal, reason)).toBe(refusal);
  });
});

describe('guardStore', () => {
  it('passes a result through, and rethrows an unreachable service as store_unavailable and anything else unchanged', async () => {
    await expect(guardStore('redis', 'get', reason, async () => 'v')).resolves.toBe('v');
    await expect(guardStore('redis', 'get', reason, async () => { throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }); }))
      .rejects.toMatchObject({ code: 'store_unavailable', status: 503 });
    const other = new RangeError('bad batch');
    await expect(guardStore('redis', 'putAll', reason, async () => { throw other; })).rejects.toBe(other);
  });
});
