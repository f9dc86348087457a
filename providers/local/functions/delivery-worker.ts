import { localDeps } from '../deps';
import { runDeliveryLoop } from '../delivery-loop';
import { runWorker } from '../worker-process';
import { workerHeartbeat } from '../heartbeat';
import { WORKER_NAMES } from '../worker-state';

/**
 * The local delivery worker: a long-running process beside serverless-offline (started by
 * `npm start`), sweeping due webhook attempts from the SQLite state store several times a second.
 * Stops on SIGINT/SIGTERM after the sweep in progress.
 */
export async function main(signal: AbortSignal): Promise<void> {
  const deps = await localDeps();
  deps.logger.info('delivery worker started');
  await runDeliveryLoop(deps, { signal, beat: workerHeartbeat(WORKER_NAMES.delivery, deps) });
  await deps.outbound?.close();
}

if (require.main === module) runWorker('delivery worker', main);
