import { eventsQueue, localDeps } from '../deps';
import { runRouterLoop } from '../router-loop';
import { runWorker } from '../worker-process';
import { workerHeartbeat } from '../heartbeat';
import { WORKER_NAMES } from '../worker-state';

/**
 * The local router worker: a long-running process beside serverless-offline (started by
 * `npm start`), routing every event published to the SQLite queue moments after it was committed.
 * Stops on SIGINT/SIGTERM after the event in hand; the rest of its batch is given back to the queue.
 */
export async function main(signal: AbortSignal): Promise<void> {
  const deps = await localDeps();
  deps.logger.info('router worker started');
  await runRouterLoop(deps, await eventsQueue(), { signal, beat: workerHeartbeat(WORKER_NAMES.router, deps) });
}

if (require.main === module) runWorker('router worker', main);
