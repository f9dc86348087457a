import { eventRouter } from '../../../functions/event-router/handler';
import { localDeps, eventsQueue } from '../deps';
import { drainQueue } from '../drain';

/**
 * Locally the router is invoked by a nudge (Lambda Invoke API) after each publish and by a
 * one-minute schedule; either way it drains the durable SQLite queue.
 */
export const handler = async () => {
  const deps = await localDeps();
  const report = await drainQueue(await eventsQueue(), eventRouter, deps);
  if (report.handled + report.failed > 0) deps.logger.info('router drained queue', { ...report });
  return report;
};
