import { type AppError } from '../../shared/errors';
import { type CloudEvent, EVENT_TYPES } from '../../shared/events/cloudevent';
import type { Deps } from '../../shared/ports';
import type { ClientInfo } from '../../shared/webhooks';

/** Rejections that are audited: refusals of the request, not our own failures or in-flight copies. */
const audited = (err: AppError) => err.status >= 400 && err.status < 500 && err.status !== 409;

/**
 * Every rejected webhook becomes a `secorch.audit.webhook.rejected` event (who, which source,
 * why) and a counter per source and reason. Never the body, headers or any secret. Best effort:
 * a failing bus must not change the answer to the sender.
 */
export async function auditRejection(deps: Deps, sourceId: string, tenant: string, err: AppError, req: Request, client: ClientInfo): Promise<void> {
  if (!audited(err)) return;
  // The metric names configured sources only: any name in a request path would otherwise be a
  // new metric series (the audit event keeps the name the request used).
  const tagged = Object.hasOwn(deps.config.sources, sourceId) ? sourceId : '(unknown)';
  deps.metrics.count('webhooks.rejected', 1, { source: tagged, reason: err.code });
  const event: CloudEvent = {
    specversion: '1.0',
    id: deps.ids.uuid(),
    source: `/webhooks/${sourceId}`,
    type: EVENT_TYPES.auditWebhookRejected,
    time: new Date(deps.clock.now()).toISOString(),
    datacontenttype: 'application/json',
    data: {
      source: sourceId,
      reason: err.code,
      status: err.status,
      client: { ip: client.ip ?? null },
      method: req.method,
      userAgent: req.headers.get('user-agent')?.slice(0, 200) ?? null,
    },
    tenant,
    // The server's own report, not the sender's event: `webhook:<source>` is what a verified
    // request of that source carries, and routes and identity destinations trust it as such.
    origin: 'system',
  };
  try {
    await deps.bus.publish(event);
  } catch (e) {
    deps.logger.warn('audit event not published', { source: sourceId, reason: err.code, error: e });
  }
}
