import { AppError } from '../errors';
import { memorySealer, sealedProvider } from './sealer';

const ctx = { subscription: 'sub-1', tenant: 't-1' };

test('memorySealer round trips any string, and the sealed value hides it', async () => {
  const s = memorySealer();
  for (const secret of ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '', 'é✓ 🔑\n"quoted"']) {
    const sealed = await s.seal(secret, ctx);
    expect(sealedProvider(sealed)).toBe('memory');
    if (secret) expect(sealed).not.toContain(secret);
    expect(await s.open(sealed, { tenant: 't-1', subscription: 'sub-1' })).toBe(secret);
  }
  await expect(s.check()).resolves.toBeUndefined();
});

test('another context, another key or another provider fails with a typed error that leaks nothing', async () => {
  const s = memorySealer();
  const sealed = await s.seal('whsec_topsecret', ctx);
  const errorOf = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e as AppError);

  for (const e of [
    await errorOf(s.open(sealed, { ...ctx, subscription: 'sub-2' })),
    await errorOf(s.open(sealed, {})),
    await errorOf(memorySealer().open(sealed, ctx)),
  ]) {
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({ code: 'unseal_failed', status: 500, retryable: false, expose: false, extra: { reason: 'rejected' } });
    expect(JSON.stringify({ m: e.message, x: e.extra })).not.toMatch(/topsecret|sub-1|t-1/);
  }
  const wrong = await errorOf(s.open(sealed.replace('v1.memory.', 'v1.local.'), ctx));
  expect(wrong).toMatchObject({ code: 'unseal_failed', extra: { reason: 'wrong_provider' } });
});

test('bad input to seal is a seal_failed, not a crash', async () => {
  await expect(memorySealer().seal(undefined as unknown as string, ctx)).rejects.toMatchObject({ code: 'seal_failed', extra: { reason: 'invalid_input' } });
  await expect(memorySealer().seal('x', { n: 1 } as unknown as Record<string, string>)).rejects.toMatchObject({ code: 'seal_failed' });
});
