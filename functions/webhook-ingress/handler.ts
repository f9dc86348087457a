import type { SourceConfig } from '../../shared/config';
import type { HttpHandler } from '../../shared/contracts';
import { AppError, errors, problemResponse, toAppError } from '../../shared/errors';
import { json, readBody } from '../../shared/http/body';
import type { Deps } from '../../shared/ports';
import { buildVerifier } from '../../shared/webhooks';
import type { Verifier } from '../../shared/webhooks/types';
import { buildEvent } from './event';
import { parsePayload } from './payload';

const PATH = /^\/webhooks\/([^/]+)\/?$/;

// Verifiers hold decoded keys: build each once per configuration (once per cold start).
const verifiers = new WeakMap<SourceConfig, Verifier>();
function verifierFor(source: SourceConfig): Verifier {
  let v = verifiers.get(source);
  if (!v) verifiers.set(source, (v = buildVerifier(source.verify)));
  return v;
}

const replayKey = (tenant: string, sourceId: string, deliveryId: string) => `webhook:${tenant}:${sourceId}:${deliveryId}`;

/** How long an in-flight claim blocks a concurrent copy of the same delivery. */
const CLAIM_TTL_SECONDS = 60;

/**
 * Claims a delivery id before publishing, so two concurrent copies of one delivery cannot both
 * publish. The claim is short-lived and released when the publish fails; the lasting record is
 * written only after the event was published. A copy that arrives while the first is still in
 * flight gets 409 with Retry-After: it is not yet known whether the first will succeed.
 */
async function claim(deps: Deps, key: string): Promise<boolean> {
  const pending = JSON.stringify({ state: 'pending', at: deps.clock.now() });
  if (await deps.store.put(key, pending, { ttlSeconds: CLAIM_TTL_SECONDS, ifAbsent: true })) return true;
  const existing = await deps.store.get(key);
  if (!existing) return claim(deps, key);
  if ((JSON.parse(existing.value) as { state?: string }).state === 'pending') {
    throw new AppError('delivery_in_progress', 'This delivery is being processed; retry shortly', {
      status: 409,
      headers: { 'retry-after': '5' },
    });
  }
  return false;
}

/**
 * POST /webhooks/{source}: verify the raw bytes, drop replays, normalize, publish, answer 202.
 * The delivery id is recorded only after the publish succeeded, so a sender's retry after a
 * failed publish still gets through (the event id is stable across retries).
 */
async function ingest(req: Request, deps: Deps, sourceId: string): Promise<Response> {
  const source = Object.hasOwn(deps.config.sources, sourceId) ? deps.config.sources[sourceId] : undefined;
  if (!source) throw errors.notFound('unknown_source', `No webhook source named "${sourceId}" is configured`);
  const log = deps.logger.child({ source: sourceId });
  const body = await readBody(req, source.maxBodyBytes);
  const verified = await verifierFor(source)({ headers: req.headers, body, url: req.url, now: deps.clock.now() });

  const key = verified.deliveryId ? replayKey(source.tenant, sourceId, verified.deliveryId) : undefined;
  if (key && !(await claim(deps, key))) {
    log.info('duplicate delivery', { deliveryId: verified.deliveryId });
    deps.metrics.count('webhooks.duplicate', 1, { source: sourceId });
    return json({ duplicate: true }, 200);
  }

  let event;
  try {
    event = buildEvent(deps, sourceId, source, verified, parsePayload(body, req.headers.get('content-type')));
    await deps.bus.publish(event).catch((e: unknown) => {
      log.error('publish failed', { error: e });
      throw errors.unavailable('publish_failed', 'The event could not be queued; retry the delivery', e);
    });
  } catch (e) {
    // Nothing was published: release the claim so the sender's retry gets through.
    if (key) await deps.store.delete(key).catch(() => undefined);
    throw e;
  }
  if (key) {
    const record = JSON.stringify({ state: 'done', eventId: event.id, at: deps.clock.now() });
    await deps.store.put(key, record, { ttlSeconds: source.dedupeTtlSeconds }).catch((e: unknown) => {
      // The event is published; failing here must not make the sender retry and publish twice.
      log.warn('could not record delivery id', { deliveryId: verified.deliveryId, error: e });
    });
  }
  log.info('webhook accepted', { eventId: event.id, type: event.type, deliveryId: verified.deliveryId });
  deps.metrics.count('webhooks.accepted', 1, { source: sourceId, type: event.type });
  return json({ id: event.id }, 202);
}

export const webhookIngress: HttpHandler = async (req, deps) => {
  const path = new URL(req.url).pathname;
  try {
    const m = PATH.exec(path);
    if (!m) throw errors.notFound('not_found', `No route for ${path}`);
    if (req.method !== 'POST') throw errors.methodNotAllowed(['POST']);
    return await ingest(req, deps, decodeURIComponent(m[1]!));
  } catch (e) {
    const err = toAppError(e);
    if (err.status === 401) deps.logger.warn('webhook rejected', { path, code: err.code });
    else if (!err.expose || err.status >= 500) deps.logger.error('webhook failed', { path, code: err.code, error: err.cause ?? err });
    return problemResponse(err, path);
  }
};
