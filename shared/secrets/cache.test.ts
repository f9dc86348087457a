import { AppError } from '../errors';
import { fixedClock } from '../ports/clock';
import type { Secrets } from '../ports/secrets';
import { cachedSecrets } from './cache';
import { secretUnavailable, unreadableSecret } from './errors';

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

  describe('a failed refresh (manager outage after a value was held)', () => {
    /** A manager whose answers are scripted: a value, or an error to throw. */
    function scripted(first: string) {
      const calls: string[] = [];
      let next: () => string | undefined = () => first;
      const secrets: Secrets = { get: async (name) => (calls.push(name), next()) };
      return { calls, secrets, answer: (fn: () => string | undefined) => void (next = fn) };
    }
    const outage = () => { throw secretUnavailable('aws-secrets-manager', 'github-webhook', 'ThrottlingException, HTTP 400'); };

    test('keeps serving the last value for up to staleIfErrorSeconds, asking again at most every negativeTtlSeconds', async () => {
      const clock = fixedClock(0);
      const m = scripted('v1');
      const s = cachedSecrets(m.secrets, { ttlSeconds: 300, staleIfErrorSeconds: 600, clock });
      expect(await s.get('github-webhook')).toBe('v1');
      m.answer(outage);
      clock.set(300_000); // expired: the refresh fails, the held value stands in
      expect(await s.get('github-webhook')).toBe('v1');
      clock.advance(4_999); // within the retry pause: no call
      expect(await s.get('github-webhook')).toBe('v1');
      expect(m.calls).toHaveLength(2);
      clock.advance(1); // the pause is over: asked again, still failing, still served
      expect(await s.get('github-webhook')).toBe('v1');
      expect(m.calls).toHaveLength(3);
      m.answer(() => 'v2'); // the manager is back: the rotated value arrives at the next ask
      clock.advance(5_000);
      expect(await s.get('github-webhook')).toBe('v2');
    });

    test('beyond the stale bound the failure surfaces (default bound: ttlSeconds past expiry)', async () => {
      const clock = fixedClock(0);
      const m = scripted('v1');
      const s = cachedSecrets(m.secrets, { ttlSeconds: 300, clock });
      await s.get('github-webhook');
      m.answer(outage);
      clock.set(599_999);
      expect(await s.get('github-webhook')).toBe('v1');
      clock.set(600_000);
      await expect(s.get('github-webhook')).rejects.toMatchObject({ code: 'secret_unavailable', retryable: true });
    });

    test('concurrent gets on expiry during an outage make one call and all get the held value', async () => {
      const clock = fixedClock(0);
      const m = scripted('v1');
      const s = cachedSecrets(m.secrets, { ttlSeconds: 300, clock });
      await s.get('a');
      m.answer(outage);
      clock.set(300_000);
      expect(await Promise.all(Array.from({ length: 20 }, () => s.get('a')))).toEqual(Array(20).fill('v1'));
      expect(m.calls).toHaveLength(2);
    });

    test('a definite answer is not papered over: a non-retryable failure or "no such secret" replaces the held value', async () => {
      const clock = fixedClock(0);
      const m = scripted('v1');
      const s = cachedSecrets(m.secrets, { ttlSeconds: 300, clock });
      await s.get('a');
      m.answer(outage);
      clock.set(300_000);
      expect(await s.get('a')).toBe('v1'); // an outage: held
      m.answer(() => { throw unreadableSecret('gcp-secret-manager', 'a', 'binary value is not UTF-8'); });
      clock.advance(5_000);
      await expect(s.get('a')).rejects.toBeInstanceOf(AppError);
      m.answer(outage); // and the old value does not come back with the next outage
      await expect(s.get('a')).rejects.toMatchObject({ code: 'secret_unavailable' });

      const deleted = scripted('v1');
      const d = cachedSecrets(deleted.secrets, { ttlSeconds: 300, clock });
      await d.get('a');
      deleted.answer(outage);
      clock.advance(300_000);
      expect(await d.get('a')).toBe('v1');
      deleted.answer(() => undefined); // deleted in the manager
      clock.advance(5_000);
      expect(await d.get('a')).toBeUndefined();
      deleted.answer(outage);
      clock.advance(5_000);
      await expect(d.get('a')).rejects.toMatchObject({ code: 'secret_unavailable' });
    });

    test('staleIfErrorSeconds bounds it: 0 surfaces every failed refresh', async () => {
      const clock = fixedClock(0);
      const strict = scripted('v1');
      const held = scripted('v1');
      const s = cachedSecrets(strict.secrets, { ttlSeconds: 300, staleIfErrorSeconds: 0, clock });
      const h = cachedSecrets(held.secrets, { ttlSeconds: 300, staleIfErrorSeconds: 30, clock });
      await s.get('a');
      await h.get('a');
      strict.answer(outage);
      held.answer(outage);
      clock.set(300_000);
      await expect(s.get('a')).rejects.toMatchObject({ code: 'secret_unavailable' });
      expect(await h.get('a')).toBe('v1');
      clock.set(330_000);
      await expect(h.get('a')).rejects.toMatchObject({ code: 'secret_unavailable' });
    });
  });
});
