import { fixedClock } from '../ports/clock';
import type { Secrets } from '../ports/secrets';
import { cachedSecrets } from './cache';

/** A manager that counts calls and answers only when told to, so concurrency is explicit. */
function manualManager(values: Record<string, string | undefined>) {
  const calls: string[] = [];
  const waiting: (() => void)[] = [];
  let failNext: Error | undefined;
  const secrets: Secrets = {
    get: (name) => {
      calls.push(name);
      const fail = failNext;
      failNext = undefined;
      return new Promise((resolve, reject) => waiting.push(() => (fail ? reject(fail) : resolve(values[name]))));
    },
  };
  const release = () => waiting.splice(0).forEach((go) => go());
  return { secrets, calls, values, release, failWith: (e: Error) => void (failNext = e) };
}

/** Lets pending calls reach the manager (one turn of the event loop). */
const started = () => new Promise((resolve) => setImmediate(resolve));

/** Answers at once (no manual release), for the TTL cases. */
function instantManager(values: Record<string, string | undefined>) {
  const calls: string[] = [];
  return { calls, values, secrets: { get: async (name: string) => (calls.push(name), values[name]) } as Secrets };
}

describe('cachedSecrets', () => {
  test('a value is served from memory for ttlSeconds, then fetched again', async () => {
    const clock = fixedClock(1_000_000);
    const m = instantManager({ a: 'v1' });
    const s = cachedSecrets(m.secrets, { ttlSeconds: 300, clock });
    expect(await s.get('a')).toBe('v1');
    m.values.a = 'v2';
    clock.advance(299_999);
    expect(await s.get('a')).toBe('v1');
    expect(m.calls).toEqual(['a']);
    clock.advance(1);
    expect(await s.get('a')).toBe('v2');
    expect(m.calls).toEqual(['a', 'a']);
  });

  test('concurrent gets of one name share one call; other names get their own', async () => {
    const m = manualManager({ a: 'va', b: 'vb' });
    const s = cachedSecrets(m.secrets, { ttlSeconds: 300, clock: fixedClock(0) });
    const gets = [s.get('a'), s.get('a'), s.get('b'), s.get('a')];
    await started();
    expect(m.calls).toEqual(['a', 'b']);
    m.release();
    expect(await Promise.all(gets)).toEqual(['va', 'va', 'vb', 'va']);
  });

  test('ttlSeconds 0: nothing is kept, but concurrent gets still share one call', async () => {
    const m = manualManager({ a: 'va' });
    const s = cachedSecrets(m.secrets, { ttlSeconds: 0, clock: fixedClock(0) });
    const both = Promise.all([s.get('a'), s.get('a')]);
    await started();
    m.release();
    expect(await both).toEqual(['va', 'va']);
    const third = s.get('a');
    await started();
    m.release();
    expect(await third).toBe('va');
    expect(m.calls).toEqual(['a', 'a']);
  });

  test('an error is not cached: the next get asks again', async () => {
    const m = manualManager({ a: 'va' });
    const s = cachedSecrets(m.secrets, { ttlSeconds: 300, clock: fixedClock(0) });
    m.failWith(new Error('throttled'));
    const failed = s.get('a');
    const alsoFailed = s.get('a');
    await started();
    m.release();
    await expect(failed).rejects.toThrow('throttled');
    await expect(alsoFailed).rejects.toThrow('throttled');
    const next = s.get('a');
    await started();
    m.release();
    expect(await next).toBe('va');
    expect(m.calls).toEqual(['a', 'a']);
  });

  test('a missing secret is remembered only briefly (5 s by default), then asked again', async () => {
    const clock = fixedClock(0);
    const m = instantManager({});
    const s = cachedSecrets(m.secrets, { ttlSeconds: 300, clock });
    expect(await s.get('new')).toBeUndefined();
    clock.advance(4_999);
    expect(await s.get('new')).toBeUndefined();
    expect(m.calls).toEqual(['new']);
    m.values.new = 'created';
    clock.advance(1);
    expect(await s.get('new')).toBe('created');
    expect(m.calls).toEqual(['new', 'new']);
  });

  test('the negative TTL never exceeds ttlSeconds', async () => {
    const clock = fixedClock(0);
    const m = instantManager({});
    const s = cachedSecrets(m.secrets, { ttlSeconds: 2, negativeTtlSeconds: 60, clock });
    await s.get('x');
    clock.advance(2_000);
    await s.get('x');
    expect(m.calls).toEqual(['x', 'x']);
  });

  test('beyond maxEntries the least recently fetched name is dropped', async () => {
    const m = instantManager({ a: '1', b: '2', c: '3' });
    const s = cachedSecrets(m.secrets, { ttlSeconds: 300, clock: fixedClock(0), maxEntries: 2 });
    await s.get('a');
    await s.get('b');
    await s.get('c');
    await s.get('b');
    await s.get('a');
    expect(m.calls).toEqual(['a', 'b', 'c', 'a']);
  });

  test('a provider that throws synchronously rejects, and is not cached', async () => {
    let n = 0;
    const s = cachedSecrets({ get: () => { n++; throw new Error('bad name'); } }, { ttlSeconds: 300, clock: fixedClock(0) });
    await expect(s.get('x y')).rejects.toThrow('bad name');
    await expect(s.get('x y')).rejects.toThrow('bad name');
    expect(n).toBe(2);
  });
});
