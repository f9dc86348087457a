import type { HttpHandler } from '../../shared/contracts';
import { AppError, toAppError } from '../../shared/errors';
import { parseCloudEventsRequest, stampEvent } from '../../shared/events/http-binding';
import { json, readBody } from '../../shared/http/body';
import { authenticate } from './auth';
import { refuseReservedSources } from './events-source';

/** Events per batch and bytes per event: the binding's defaults (100 x 64 KiB). */
const MAX_BATCH = 100;
const MAX_EVENT_BYTES = 64 * 1024;

/**
 * POST /events: CloudEvents in structured, binary or batch mode (shared/events/http-binding).
 * Each event is stamped with the key's tenant and `origin: api:<key id>` (a client-set tenant or
 * origin is refused by the parser, 400 `reserved_attribute`; a source of the server's own events,
 * 400 `reserved_source`: events-source.ts), then published in order.
 *
 * A failed publish answers 503 `publish_failed` naming the events already published: resending
 * the whole request is safe, since consumers deduplicate on the event id.
 */
export const postEvents: HttpHandler = async (req, deps) => {
  const principal = authenticate(req, deps, 'events:write');
  // The parser checks the finer limits; this bounds what is buffered at all.
  const body = await readBody(req, MAX_BATCH * MAX_EVENT_BYTES);
  const { mode, events } = parseCloudEventsRequest({ headers: req.headers, body, maxBytes: MAX_EVENT_BYTES, maxBatch: MAX_BATCH });
  refuseReservedSources(events, mode === 'batch');
  const stamped = events.map((e) => stampEvent(e, { tenant: principal.tenant, origin: principal.origin }));
  const log = deps.logger.child({ keyId: principal.keyId, tenant: principal.tenant });
  const published: string[] = [];
  for (const event of stamped) {
    try {
      await deps.bus.publish(event);
    } catch (e) {
      log.error('publish failed', { eventId: event.id, published: published.length, error: e });
      if (toAppError(e).code === 'bus_message_too_large') {
        throw new AppError('event_too_large', `Event ${event.id} is larger than the event bus accepts; ${published.length} of ${stamped.length} events were published`, {
          status: 413, retryable: false, expose: true, cause: e, extra: { published: published.length, ids: published },
        });
      }
      throw new AppError('publish_failed', `${published.length} of ${stamped.length} events were published; retry the request (event ids make it safe)`, {
        status: 503, retryable: true, expose: true, cause: e, headers: { 'retry-after': '1' }, extra: { published: published.length, ids: published },
      });
    }
    published.push(event.id);
  }
  log.info('events accepted', { mode, count: published.length, ids: published.slice(0, 10) });
  deps.metrics.count('api.events.accepted', published.length, { mode });
  return json(published.length === 1 ? { id: published[0], ids: published } : { ids: published }, 202);
};
