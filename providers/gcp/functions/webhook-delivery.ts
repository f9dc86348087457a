import * as functions from '@google-cloud/functions-framework';
import { deliveryTick } from '../../../functions/webhook-delivery/handler';
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
