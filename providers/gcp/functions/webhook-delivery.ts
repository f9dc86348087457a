import * as functions from '@google-cloud/functions-framework';
import type { HttpFunction } from '@google-cloud/functions-framework';
import { deliveryTick, deliveryWakeUp } from '../../../functions/webhook-delivery/handler';
import { runBatch } from '../../../shared/batch/runner';
import type { Deps } from '../../../shared/ports';
import { gcpDeps } from '../deps';
import { depsOrLogged } from '../deps-failure';
import { sweepDeadline } from '../../common/sweep-deadline';

/** `--timeout 180s` in the README's deploy command (SECORCH_FUNCTION_TIMEOUT_SECONDS for another). */
const DEPLOYED_TIMEOUT_SECONDS = 180;

/**
 * Outbound webhook attempts that are due, called by Cloud Scheduler every minute over HTTP (deploy
 * it with --no-allow-unauthenticated and an OIDC service account on the scheduler job).
 */
export function gcpDeliveryTick(getDeps: () => Promise<Deps>): HttpFunction {
  return async (_req, res) => {
    const deps = await depsOrLogged(getDeps);
    const now = deps.clock.now();
    const report = await deliveryTick({ name: 'webhookDelivery', scheduledAt: now, deadline: sweepDeadline(now, DEPLOYED_TIMEOUT_SECONDS) }, deps);
    res.status(report.ok ? 200 : 500).json(report);
  };
}
functions.http('webhookDelivery', gcpDeliveryTick(gcpDeps));

/**
 * Punctual attempts: the HTTP target of the Cloud Tasks wake-ups (providers/gcp/wakeups-cloud-tasks.ts),
 * POSTing `{ at, tenant, id }`. Deploy it with --no-allow-unauthenticated: the task carries an
 * OIDC token of SECORCH_TASKS_SERVICE_ACCOUNT, which needs the invoker role on it.
 *
 * Cloud Tasks retries every answer outside 200-299, a 4xx as much as a 5xx, up to the queue's
 * max attempts (100 for a queue made with defaults), backing off:
 * https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues.tasks#HttpRequest
 * So a transient failure answers 503 (retried), and a failure no retry can change (a wake-up that
 * is not `{ at, tenant, id }`, such as one queued by an older release) answers 200 with its code:
 * the task is done, the failure is in the log (runBatch), and the attempt it named still has its
 * due key, which the minute sweep makes.
 */
export function gcpDeliveryWakeUp(getDeps: () => Promise<Deps>): HttpFunction {
  return async (req, res) => {
    const deps = await depsOrLogged(getDeps);
    const retries = Number(req.get('x-cloudtasks-taskretrycount'));
    const [outcome] = await runBatch([{
      id: req.get('x-cloudtasks-taskname') || 'cloud-task',
      body: req.rawBody ? req.rawBody.toString('utf8') : JSON.stringify(req.body ?? null),
      attributes: {},
      ...(Number.isInteger(retries) && retries >= 0 ? { receiveCount: retries + 1 } : {}),
    }], deliveryWakeUp, deps);
    if (!outcome || outcome.ok) {
      res.status(204).end();
      return;
    }
    const { code, retryable } = outcome.error;
    res.status(retryable ? 503 : 200).json({ code, retryable });
  };
}

functions.http('webhookDeliveryWakeUp', gcpDeliveryWakeUp(gcpDeps));
