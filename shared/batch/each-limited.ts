/**
 * `run` over `inputs` with at most `concurrency` calls in flight; the results in input order.
 * After a call fails no further input is started: the calls in flight settle, then the first
 * failure is thrown (nothing of the batch is still running when the caller hears of it).
 */
export async function eachLimited<T, R>(inputs: readonly T[], concurrency: number, run: (input: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(inputs.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < inputs.length) {
      const i = next++;
      try {
        out[i] = await run(inputs[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
  if (failure) throw failure.error;
  return out;
}
