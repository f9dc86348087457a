/**
 * Drains a generator of findings into `publish` with at most `limit` publishes in flight, so a
 * 200 MB report never buffers all its findings: the parser is pulled only when a slot is free.
 * Hand-written rather than stream.Readable#map because every publish still in flight must be
 * awaited before the caller records an outcome or releases its lease; map leaves them running.
 */
export type PumpResult<R> =
  | { ok: true; value: R; published: number }
  | { ok: false; error: unknown; published: number };

export async function pump<T, R>(source: AsyncGenerator<T, R>, publish: (item: T) => Promise<void>, limit: number): Promise<PumpResult<R>> {
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let published = 0;
  const launch = (item: T) => {
    const p: Promise<void> = publish(item)
      .then(() => void (published += 1), (error: unknown) => void (failure ??= { error }))
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  let result: PumpResult<R> | undefined;
  try {
    while (!failure) {
      const next = await source.next();
      if (next.done) {
        result = { ok: true, value: next.value, published: 0 };
        break;
      }
      launch(next.value);
      if (inflight.size >= limit) await Promise.race(inflight);
    }
  } catch (error) {
    // The source failed (a bad report): what was launched still completes first.
    result = { ok: false, error, published: 0 };
  }
  await Promise.all(inflight);
  if (failure) {
    // Stop the parser (its finally blocks close the object stream) and surface the publish failure.
    await source.return(undefined as R).catch(() => undefined);
    throw failure.error;
  }
  return { ...result!, published };
}
