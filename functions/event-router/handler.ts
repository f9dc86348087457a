import { type InboundRecord, type RecordHandler, redeliveryDelayMs } from '../../shared/contracts';
import { AppError, errors, isAppError } from '../../shared/errors';
import { destinations } from '../../shared/destinations';
import { type CloudEvent, validateCloudEvent } from '../../shared/events/cloudevent';
import { nestedDeeperThan } from '../../shared/events/json-depth';
import { extensionValueProblems } from '../../shared/events/spec-checks';
import { type Filter, FilterBudgetExceededError, matchesOrThrow } from '../../shared/routing/filter';
import { fanOut } from '../../shared/delivery/engine/fanout';
import { SAFE_PART } from '../../shared/delivery/keys';
import { keepDeadLetter } from '../../shared/deadletters/store';
import type { Logger } from '../../shared/ports';
import { claimDestination, claimedElsewhere, releaseClaim } from './claim';
import { type DestinationFailure, doneTtlSeconds, failUnlessLastReceive, failureReasons, keepEventDeadLetter } from './dead-letter';
import { routedKey } from './keys';
import { refusalOf, rememberRefusal } from './refusal';

export { routedKey } from './keys';

/**
 * Levels of arrays and objects a queued event may nest. The server publishes nothing near it
 * (request bodies are refused past MAX_JSON_DEPTH, 200, and an envelope adds a few levels), and it
 * is far from where recursive code overflows the stack (JSON.stringify, in destinations, the
 * fan-out and CESQL's reading of an object attribute, at about 4,000 levels on Node 20): a deeper
 * event would fail on every redelivery, so it is a poison message like one that is not JSON.
 */
export const MAX_EVENT_DEPTH = 1000;

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
  if (nestedDeeperThan(event, MAX_EVENT_DEPTH, Buffer.from(body, 'utf8'))) {
    throw errors.badRequest('invalid_event', `The queued event is nested deeper than ${MAX_EVENT_DEPTH} levels`);
  }
  // Every extension the server sets is a string (tenant, origin, deliveryid), and POST /events
  // refuses objects, arrays and fractions there: such an event was put on the queue by something
  // else, and routes, templates and receivers would each read its value their own way.
  const extensions = extensionValueProblems(event as Record<string, unknown>);
  if (extensions.length > 0) throw errors.badRequest('invalid_event', `Not a CloudEvent: ${extensions.join('; ')}`);
  // The server stamps `tenant` from its configuration, where names are SAFE_PART. Anything else
  // was put on the queue by someone else, and its tenant, part of every key its records get
  // (dead letters, deliveries), could reach into another tenant's: "acme:x" lists as acme's.
  const tenant = (event as CloudEvent).tenant;
  if (tenant !== undefined && tenant !== '' && !(typeof tenant === 'string' && SAFE_PART.test(tenant))) {
    throw errors.badRequest('invalid_event', 'Not an event of this server: tenant is not a tenant name');
  }
  return event as CloudEvent;
}

/** The message as received: its bytes when the adapter could only hand them over as base64. */
const receivedBody = (record: InboundRecord): Uint8Array | string =>
  record.bodyEncoding === 'base64' ? new Uint8Array(Buffer.from(record.body, 'base64')) : record.body;

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
 * succeeded are not repeated; nor are those that refused it for good (./refusal.ts), whose recorded
 * refusal counts again. Two copies of one message in hand at once do not both call a
 * destination: each call is claimed first (./claim.ts), and the copy that finds the claim taken
 * fails with `destination_in_progress`, asking to be redelivered once the claim has lapsed.
 * At the last receive its queue allows (InboundRecord.maxReceives), a record that would fail is
 * kept as an inbound dead letter and acknowledged instead (./dead-letter.ts), unless another
 * consumer still holds a claim: the platform's own dead-letter queue cannot be listed or replayed.
 */
export const eventRouter: RecordHandler = async (record, deps) => {
  let event: CloudEvent;
  try {
    // Bytes that are not UTF-8 text are never a CloudEvent; their base64 form must not be read as one.
    if (record.bodyEncoding === 'base64') throw errors.badRequest('invalid_event', 'The queued message is not UTF-8 text');
    event = parseEvent(record.body);
  } catch (e) {
    // A poison message never gets better by redelivery: keep it as an inbound dead letter (listed
    // and replayable through /dead-letters) and acknowledge it. If it cannot be kept, the record
    // fails as before and the queue redelivers it (and eventually moves it to its own DLQ).
    const kept = await keepDeadLetter(deps, {
      tenant: tenantOf(record.body), kind: 'event', body: receivedBody(record), reason: { code: 'invalid_event', message: (e as Error).message },
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
    if (routeMatches(route.name, route.filter as Filter, event, log)) route.to.forEach((d) => targets.add(d));
  }
  if (targets.size === 0) {
    log.debug('no route matched');
    if (fanOutError !== undefined) await failUnlessLastReceive(deps, log, record, event, { failure: fanOutError, failures: [], fanOutError, took: [] });
    return;
  }
  const all = destinations(deps.config);
  const failures: DestinationFailure[] = [];
  const elsewhere: { name: string; heldForMs: number }[] = [];
  // The destination's mark, when this event reached it before: delivered (skipped), or refused for
  // good on an earlier receive or another copy of the message (./refusal.ts): not called again, its
  // refusal counts as this receive's. One read either way.
  const marked = async (name: string, key: string): Promise<boolean> => {
    const mark = await deps.store.get(key);
    if (!mark) return false;
    const refusal = refusalOf(mark.value);
    if (refusal) {
      failures.push({ name, error: refusal });
      log.warn('destination refused this event for good before; not called again', { destination: name, code: refusal.code });
    }
    return true;
  };
  for (const name of targets) {
    const key = routedKey(event, name);
    if (await marked(name, key)) continue;
    // Only the consumer holding the claim calls the destination: another copy of this message in
    // hand at the same time (a redelivery while this one is still worked on, a duplicate delivery)
    // would otherwise call it too, since neither has written the mark yet.
    const claimed = await claimDestination(deps, event, name, record);
    if ('tookOver' in claimed) {
      deps.metrics.count('router.claim_taken_over', 1, { destination: name });
      log.warn('destination claimed by another consumer; taken over at this late receive, so it may get the event twice', { destination: name, receiveCount: record.receiveCount });
    }
    if ('heldForMs' in claimed) {
      // The claim of a consumer that has just finished (claims are left to lapse on success and
      // on a refusal remembered).
      if (await marked(name, key)) continue;
      elsewhere.push({ name, heldForMs: claimed.heldForMs });
      deps.metrics.count('router.claim_held', 1, { destination: name });
      log.warn('destination is being called by another consumer of this message; the record is retried after its claim', { destination: name, waitMs: claimed.heldForMs });
      continue;
    }
    try {
      await all.get(name)!(event, deps);
    } catch (e) {
      failures.push({ name, error: e });
      log.error('destination failed', { destination: name, error: e });
      // Failed for good: remembered as the destination's mark, and the claim is left to lapse as
      // after a success, so no redelivery or copy calls it again (one holding the claim reads the mark).
      if (isAppError(e) && !e.retryable) {
        const remembered = await rememberRefusal(deps, event, name, e).then(() => true, (markError: unknown) => {
          log.warn('destination refused the event but its refused mark could not be written; a redelivery would call it again', { destination: name, error: markError });
          return false;
        });
        if (remembered) continue;
      }
      await releaseClaim(deps, claimed.claim)
        .catch((releaseError: unknown) => log.warn('could not release the claim of a failed destination; a redelivery waits for it to lapse', { destination: name, error: releaseError }));
      continue;
    }
    deps.metrics.count('router.delivered', 1, { destination: name });
    // The destination has the event. Its mark only matters if this message comes again: failing
    // the record because the mark could not be written would make that second copy certain (and
    // report a destination that took the event as failed), so it is a warning. A dead-lettered
    // event writes the marks of the destinations that took it once more (./dead-letter.ts).
    await deps.store.put(key, '1', { ttlSeconds: doneTtlSeconds(deps) })
      .catch((e: unknown) => log.warn('destination took the event but its delivered mark could not be written; a redelivery would repeat it', { destination: name, error: e }));
  }
  if (failures.length === 0 && elsewhere.length > 0) {
    throw claimedElsewhere(elsewhere.map((c) => c.name), Math.max(...elsewhere.map((c) => c.heldForMs)));
  }
  if (failures.length > 0) {
    const failed = destinationFailed(failures, elsewhere);
    // Another consumer still calling a destination needs the retry: its copy is being worked on.
    if (elsewhere.length > 0) throw failed;
    const took = [...targets].filter((name) => !failures.some((f) => f.name === name));
    // Every failure final (the destination refused this event: a 4xx, a template with no text):
    // redelivery would only repeat the refusal until the queue gives up. Keep the event as a dead
    // letter naming each refusal, to replay once the cause is fixed (the destinations that took
    // it are skipped then too), and acknowledge it. Unless a fan-out failed: that needs the retry.
    if (fanOutError === undefined && failures.every((f) => isAppError(f.error) && !f.error.retryable)) {
      const reason = { code: 'destination_failed', message: failureReasons(failures) };
      const kept = await keepEventDeadLetter(deps, log, { record, event, reason, took, failure: failed });
      log.warn('event refused by destinations, kept as dead letter', { destinations: failures.map((f) => f.name), deadLetterId: kept.id });
      return;
    }
    await failUnlessLastReceive(deps, log, record, event, { failure: failed, failures, fanOutError, took });
    return;
  }
  log.info('event routed', { destinations: [...targets] });
  if (fanOutError !== undefined) await failUnlessLastReceive(deps, log, record, event, { failure: fanOutError, failures: [], fanOutError, took: [...targets] });
};

/**
 * The record's failure when destinations failed. It asks the queue for the longest wait any of
 * them asked for (a vendor's Retry-After, a circuit still open, another consumer's claim): the
 * redelivery serves them all, and one sooner would only fail again at the destination that asked,
 * using up one of the queue's receives before its dead-letter queue.
 */
function destinationFailed(failures: readonly DestinationFailure[], elsewhere: readonly { name: string; heldForMs: number }[]): AppError {
  const waits = [...failures.map((f) => redeliveryDelayMs(f.error) ?? 0), ...elsewhere.map((c) => c.heldForMs)];
  const wait = Math.max(0, ...waits);
  const busy = elsewhere.length > 0 ? `; being delivered by another consumer to: ${elsewhere.map((c) => c.name).join(', ')}` : '';
  return new AppError('destination_failed', `Delivery failed for: ${failures.map((f) => f.name).join(', ')}${busy}`, {
    status: 502, retryable: true, ...(wait > 0 ? { extra: { retryAfterMs: wait } } : {}),
  });
}

/**
 * A route's filter against the event. A filter that runs out of its work budget (its cost grows
 * with the event's attribute sizes) does not match, and says so: the operator wrote the route, and
 * an event that silently skips it would look lost.
 */
function routeMatches(route: string, filter: Filter, event: CloudEvent, log: Logger): boolean {
  try {
    return matchesOrThrow(filter, event);
  } catch (e) {
    if (!(e instanceof FilterBudgetExceededError)) throw e;
    log.warn('route filter ran out of its work budget; the route does not take this event', { route, error: e });
    return false;
  }
}
