/** `run` over `inputs` with at most `concurrency` calls in flight; the results in input order. */
export async function eachLimited<T, R>(inputs: readonly T[], concurrency: number, run: (input: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      out[i] = await run(inputs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
  return out;
}
