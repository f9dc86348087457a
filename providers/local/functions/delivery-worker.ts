import { localDeps } from '../deps';
import { runDeliveryLoop } from '../delivery-loop';

/**
 * The local delivery worker: a long-running process beside serverless-offline (started by
 * `npm start`), sweeping due webhook attempts from the SQLite state store several times a second.
 * Stops on SIGINT/SIGTERM after the sweep in progress.
 */
export async function main(): Promise<void> {
  const deps = await localDeps();
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop.abort());
  deps.logger.info('delivery worker started');
  await runDeliveryLoop(deps, { signal: stop.signal });
  await deps.outbound?.close();
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`secorch delivery worker: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
