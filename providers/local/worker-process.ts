import { redactText } from '../../shared/log/redact';

/**
 * How the long-running local workers beside serverless-offline run as processes: `work` gets a
 * signal that SIGINT/SIGTERM abort, so it can finish what it holds; the process exits 0 when
 * `work` returns and 1, with the stack on stderr, when it throws (npm start restarts it).
 */
export function runWorker(name: string, work: (signal: AbortSignal) => Promise<void>): void {
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop.abort());
  work(stop.signal).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`secorch ${name}: ${redactText(String((e as Error).stack ?? e))}`);
      process.exit(1);
    },
  );
}
