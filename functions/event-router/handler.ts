import type { RecordHandler } from '../../shared/contracts';
import { AppError, errors } from '../../shared/errors';
import { destinations } from '../../shared/destinations';
import { type CloudEvent, validateCloudEvent } from '../../shared/events/cloudevent';
import { type Filter, matches } from '../../shared/routing/filter';
import { fanOut } from '../../shared/delivery/engine/fanout';
import { SAFE_PART } from '../../shared/delivery/keys';
import { keepDeadLetter } from '../../shared/deadletters/store';

/** How long a "delivered to destination" mark is kept: longer than any queue redelivery window. */
const DONE_TTL_SECONDS = 7 * 24 * 3600;

/** The queued CloudEvent; `invalid_event` (not retryable) for a poison message. */
export function parseEvent(body: string): CloudEvent {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new AppError('invalid_event', 'The queued message is not JSON', { status: 400, retryable: false });
  }
  const problems = validateCloudEvent(event);
  if (problems.length > 0) throw errors.badRequest('invalid_event', `Not a CloudEvent: ${problems.join('; ')}`);
  return event as CloudEvent;
}

/** The tenant a poison message names, when it is JSON with a valid `tenant`; else "default". */
function tenantOf(body: string): string {
  try {
    const tenant = (JSON.parse(body) as { tenant?: unknown } | null)?.tenant;
    return typeof tenant === 'string' && SAFE_PART.test(tenant) ? tenant : 'default';
  } catch {
    return 'default';
  }
}

/**
 * event-router: creates the outbound deliveries of one queued CloudEvent (its tenant's matching
 * subscriptions), then matches it against `routes` and hands it to each matched destination once. Queues deliver at least once, so every successful (event, destination) pair
 * is marked in the state store and skipped on redelivery; a failing destination fails this
 * record only (the adapter reports it for redelivery), and the destinations that already
 * succeeded are not repeated.
 */
export const eventRouter: RecordHandler = async (record, deps) => {
  let event: CloudEvent;
  try {
    event = parseEvent(record.body);
  } catch (e) {
    // A poison message never gets better by redelivery: keep it as an inbound dead letter (listed
    // and replayable through /dead-letters) and acknowledge it. If it cannot be kept, the record
    // fails as before and the queue redelivers it (and eventually moves it to its own DLQ).
    const kept = await keepDeadLetter(deps, {
      tenant: tenantOf(record.body), kind: 'event', body: record.body, reason: { code: 'invalid_event', message: (e as Error).message.slice(0, 500) },
    }).catch((keepError: unknown) => {
      deps.logger.error('could not keep dead letter', { messageId: record.id, error: keepError });
      throw e;
    });
    deps.logger.warn('poison message kept as dead letter', { messageId: record.id, deadLetterId: kept.id, tenant: kept.tenant });
    return;
  }
  const log = deps.logger.child({ eventId: event.id, type: event.type });
  // Outbound webhooks: one delivery per matching subscription of the event's tenant (idempotent).
  // A fan-out that fails (the store down, an event too large for it) fails the record only after
  // the routes ran: their destinations still get the event, once (the routed: markers).
  let fanOutError: unknown;
  try {
    const fanned = await fanOut(event, deps);
    if (fanned.created.length > 0) log.info('deliveries created', { deliveries: fanned.created.map((d) => d.id) });
  } catch (e) {
    fanOutError = e;
    log.error('fan-out to subscriptions failed', { error: e });
  }
  const targets = new Set<string>();
  for (const route of deps.config.routes) {
    if (matches(route.filter as Filter, event)) route.to.forEach((d) => targets.add(d));
  }
  if (targets.size === 0) {
    log.debug('no route matched');
    if (fanOutError !== undefined) throw fanOutError;
    return;
  }
  const all = destinations(deps.config);
  const failures: string[] = [];
  for (const name of targets) {
    const key = `routed:${event.source}:${event.id}:${name}`;
    if (await deps.store.get(key)) continue;
    try {
      await all.get(name)!(event, deps);
      await deps.store.put(key, '1', { ttlSeconds: DONE_TTL_SECONDS });
      deps.metrics.count('router.delivered', 1, { destination: name });
    } catch (e) {
      failures.push(name);
      log.error('destination failed', { destination: name, error: e });
    }
  }
  if (failures.length > 0) {
    throw new AppError('destination_failed', `Delivery failed for: ${failures.join(', ')}`, { status: 502, retryable: true });
  }
  log.info('event routed', { destinations: [...targets] });
  if (fanOutError !== undefined) throw fanOutError;
};
