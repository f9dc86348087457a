import { eventsQueue, localDeps } from '../deps';
import { runRouterLoop } from '../router-loop';

/**
 * The local router worker: a long-running process beside serverless-offline (started by
 * `npm start`), routing every event published to the SQLite queue moments after it was committed.
 * Stops on SIGINT/SIGTERM after the drain in progress.
 */
export async function main(): Promise<void> {
  const deps = await localDeps();
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop.abort());
  deps.logger.info('router worker started');
  await runRouterLoop(deps, await eventsQueue(), { signal: stop.signal });
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`secorch router worker: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
