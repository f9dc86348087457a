import { eventRouter } from '../../../functions/event-router/handler';
import type { Deps } from '../../../shared/ports';
import { localDeps, eventsQueue } from '../deps';
import { type DrainReport, drainQueue } from '../drain';
import type { SqliteQueue } from '../sqlite-queue';
import { loggedTick } from './scheduled';

/** A drain's report, or the code of the error that kept it from running (logged: loggedTick). */
export type RouterReport = DrainReport & { error?: string };

/**
 * Locally the router is invoked by a nudge (Lambda Invoke API) after each publish and by a
 * one-minute schedule; either way it drains the durable SQLite queue. A queue or state file that
 * cannot be used (damaged, unreadable, on a full disk) is one logged line per invocation.
 */
export function localRouter(getDeps: () => Promise<Deps>, getQueue: () => Promise<SqliteQueue>) {
  return (): Promise<RouterReport> => loggedTick('router drain', async () => {
    const deps = await getDeps();
    const report = await drainQueue(await getQueue(), eventRouter, deps);
    if (report.handled + report.failed > 0) deps.logger.info('router drained queue', { ...report });
    return report;
  }, (error) => ({ handled: 0, failed: 0, error }));
}

export const handler = localRouter(localDeps, eventsQueue);
