import type { HttpHandler } from '../../shared/contracts';
import { keys, SAFE_PART } from '../../shared/delivery/keys';
import type { Delivery, DeliveryStatus } from '../../shared/delivery/model';
import { AppError } from '../../shared/errors';
import { json } from '../../shared/http/body';
import { authenticate, pathId } from './auth';
import { scanDeliveries } from './delivery-scan';
import { invalidQuery, pageOf, parseCursor, parseLimit, parseTime } from './pagination';
import { conflict, deliverySummary, deliveryView, eventExpired, eventOf, loadDelivery, requireResendable, retryAccepted, scheduleNow } from './records';

/**
 * /deliveries: the outbound delivery log of the key's tenant, oldest first (ids are time-ordered,
 * so that is key order and a cursor is the last key covered). Filters are applied while scanning,
 * and one request reads at most MAX_SCANNED records: a sparse filter then answers a short (even
 * empty) page with a `next_cursor` instead of reading the whole log in one request.
 */
export const MAX_SCANNED = 2000;
const STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed'];

export const listDeliveries: HttpHandler = async (req, deps) => {
  const { tenant } = authenticate(req, deps, 'deliveries:read');
  const params = new URL(req.url).searchParams;
  const limit = parseLimit(params);
  const after = parseCursor(params, keys.deliveries(tenant));
  const since = parseTime(params, 'since');
  const until = parseTime(params, 'until');
  if (since !== undefined && until !== undefined && until < since) throw invalidQuery('until', 'until must not be before since');
  const subscription = params.get('subscription') || undefined;
  if (subscription !== undefined && !SAFE_PART.test(subscription)) throw invalidQuery('subscription', 'subscription is not a valid subscription id');
  const status = params.get('status') || undefined;
  if (status !== undefined && !STATUSES.includes(status as DeliveryStatus)) throw invalidQuery('status', `status is one of ${STATUSES.join(', ')}`);
  const wanted = (d: Delivery) => (subscription === undefined || d.subscriptionId === subscription) && (status === undefined || d.status === status);

  const items: ReturnType<typeof deliverySummary>[] = [];
  let lastIncluded: string | undefined;
  let full = false;
  // One record past a full page tells whether another page exists, so the last page has no cursor.
  const pageSize = subscription === undefined && status === undefined ? limit + 1 : 200;
  const stoppedAt = await scanDeliveries(deps, { tenant, since, until, after, maxScanned: MAX_SCANNED, pageSize }, ({ key, delivery }) => {
    if (!wanted(delivery)) return true;
    if (items.length === limit) {
      full = true;
      return false;
    }
    items.push(deliverySummary(delivery));
    lastIncluded = key;
    return true;
  });
  return json(pageOf(items, full ? lastIncluded : stoppedAt));
};

export const getDelivery: HttpHandler = async (req, deps) => {
  const { tenant } = authenticate(req, deps, 'deliveries:read');
  const { record } = await loadDelivery(deps, tenant, pathId(req, 1, 'delivery'));
  return json(await deliveryView(deps, record));
};

/**
 * Sends a finished delivery again (failed, or succeeded to resend): pending and due
 * now, with the same webhook-id (receivers dedupe on it), its attempt log kept. The answer is the
 * delivery with its attempts for a key that may read the log (`deliveries:read`), else its id,
 * status and next attempt (retryAccepted). Only a resend that
 * can be made is accepted; the others are 409 with the record left as it is: still pending
 * (`delivery_pending`), its subscription deleted (`subscription_deleted`) or disabled
 * (`subscription_disabled`), or its event outlived its retention (`event_expired`).
 */
export const retryDelivery: HttpHandler = async (req, deps) => {
  const { tenant, keyId, scopes } = authenticate(req, deps, 'deliveries:write');
  const id = pathId(req, 1, 'delivery');
  for (let i = 0; i < 3; i++) {
    const { record, version } = await loadDelivery(deps, tenant, id);
    if (record.status === 'pending') {
      throw new AppError('delivery_pending', 'The delivery is still pending; it will be attempted at nextAttemptAt', {
        status: 409, extra: { nextAttemptAt: record.nextAttemptAt },
      });
    }
    await requireResendable(deps, tenant, record.subscriptionId);
    const event = await eventOf(deps, tenant, record);
    if (event === undefined) throw eventExpired();
    const next = await scheduleNow(deps, tenant, record, version, event);
    if (next) {
      deps.logger.info('delivery retry requested', { tenant, keyId, deliveryId: id, previousStatus: record.status });
      return json(scopes.includes('deliveries:read') ? await deliveryView(deps, next) : retryAccepted(next), 202);
    }
  }
  throw conflict();
};
