const SAMPLE_MS = 50;

/** Peak process RSS while `work` runs, sampled every SAMPLE_MS (and at both ends). */
export async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number; start: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => void (peak = Math.max(peak, process.memoryUsage().rss)), SAMPLE_MS);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peak, start };
  } finally {
    clearInterval(timer);
  }
}
