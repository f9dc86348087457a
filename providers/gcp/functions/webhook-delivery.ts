import * as functions from '@google-cloud/functions-framework';
import { deliveryTick, deliveryWakeUp } from '../../../functions/webhook-delivery/handler';
import { runBatch } from '../../../shared/batch/runner';
import { gcpDeps } from '../deps';

/**
 * Outbound webhook attempts that are due, called by Cloud Scheduler every minute over HTTP (deploy
 * it with --no-allow-unauthenticated and an OIDC service account on the scheduler job).
 */
functions.http('webhookDelivery', async (_req, res) => {
  const deps = await gcpDeps();
  const report = await deliveryTick({ name: 'webhookDelivery', scheduledAt: deps.clock.now() }, deps);
  res.status(report.ok ? 200 : 500).json(report);
});

/**
 * Punctual attempts: the HTTP target of the Cloud Tasks wake-ups (providers/gcp/wakeups-cloud-tasks.ts),
 * POSTing `{ at, tenant, id }`. Deploy it with --no-allow-unauthenticated: the task carries an
 * OIDC token of SECORCH_TASKS_SERVICE_ACCOUNT, which needs the invoker role on it.
 * Cloud Tasks retries any answer but 2xx (with the queue's backoff, up to its max attempts):
 * https://cloud.google.com/tasks/docs/creating-http-target-tasks#handler
 * so a transient failure answers 503 and an invalid wake-up its 4xx status.
 */
functions.http('webhookDeliveryWakeUp', async (req, res) => {
  const deps = await gcpDeps();
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
  const status = outcome.error.retryable || outcome.error.status >= 500 ? 503 : outcome.error.status;
  res.status(status).json({ code: outcome.error.code });
});
