import type { HttpHandler } from '../../shared/contracts';
import { errors, problemResponse, toAppError } from '../../shared/errors';
import { json, readBody } from '../../shared/http/body';
import { clientInfo } from '../../shared/http/client-info';
import type { Deps } from '../../shared/ports';
import type { ClientInfo } from '../../shared/webhooks';
import { checkAddress } from './addresses';
import { auditRejection } from './audit';
import { keepWebhookDeadLetter, publishVerified, unpublishedAnswer } from './dead-letter';
import { checkRate } from './limits';
import { type ParsedPayload, parsePayload } from './payload';
import { claimAll, recordAll, recordMissing, release, replayKeys, replayTtl, signatureKeys } from './replay';
import { type PreparedSource, sourceFor } from './source';

const PATH = /^\/webhooks\/([^/]+)\/?$/;
const SOURCE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * POST /webhooks/{source}, in the order that keeps forged and abusive traffic cheap: address
 * allowlist and rate limit before the body is read; the body limit while reading; handshakes the
 * vendor does not sign; the signature on the raw bytes; replay protection; parsing; handshakes
 * inside signed requests; then normalize, publish and answer 202. The delivery is recorded only
 * after the event was published, so a sender's retry after a failed publish still gets through.
 */
async function ingest(req: Request, deps: Deps, source: PreparedSource, client: ClientInfo): Promise<Response> {
  checkAddress(source.allow, client.ip);
  await checkRate(deps, source, client.ip);
  if (!source.methods.includes(req.method)) throw errors.methodNotAllowed([...source.methods]);
  const body = await readBody(req, source.config.maxBodyBytes);
  const handshake = { method: req.method, url: new URL(req.url), headers: req.headers, body };
  const early = source.scheme.preflight?.(handshake);
  if (early) return early;

  const verified = await source.scheme.verify({ headers: req.headers, body, url: req.url, now: deps.clock.now(), method: req.method, client });
  const payload: ParsedPayload | undefined = body.byteLength > 0 || req.method === 'POST' ? parsePayload(body, req.headers.get('content-type')) : undefined;
  const answer = source.scheme.reply?.(handshake, payload?.data);
  if (answer) return answer;
  if (req.method !== 'POST' || !payload) throw errors.methodNotAllowed(['POST']);

  const log = deps.logger.child({ source: source.id });
  const keys = replayKeys(source, verified);
  if (!(await claimAll(deps, keys))) {
    // Seen under one identity: recorded under its signature too (a vendor's retry re-signed with a
    // new timestamp, found by its id), so a later copy with only that signature is a duplicate as
    // well; not under an unsigned id, which a replayer chooses (replay.ts signatureKeys).
    await recordMissing(deps, signatureKeys(source, verified), replayTtl(source, verified)).catch((e: unknown) => log.warn('could not record delivery ids', { error: e }));
    log.info('duplicate delivery', { deliveryId: verified.deliveryId });
    deps.metrics.count('webhooks.duplicate', 1, { source: source.id });
    return json({ duplicate: true }, 200);
  }
  let events;
  try {
    events = await publishVerified(deps, source, verified, payload);
  } catch (e) {
    // Not everything was published: keep the raw delivery as a dead letter (a mapper bug or a
    // failed publish; the sender is answered as before and may retry), and release the claim so
    // the sender's retry gets through (it republishes with the same event ids, which consumers
    // deduplicate).
    const kept = await keepWebhookDeadLetter(deps, source, verified, body, req.headers.get('content-type'), e);
    await release(deps, keys);
    throw unpublishedAnswer(e, kept);
  }
  await recordAll(deps, keys, events.map((e) => e.id).join(','), replayTtl(source, verified)).catch((e: unknown) => {
    // The event is published; failing here must not make the sender retry and publish twice.
    log.warn('could not record delivery id', { deliveryId: verified.deliveryId, error: e });
  });
  log.info('webhook accepted', { eventIds: events.map((e) => e.id), types: [...new Set(events.map((e) => e.type))], deliveryId: verified.deliveryId });
  deps.metrics.count('webhooks.accepted', 1, { source: source.id });
  // One event: {"id"}; a delivery that maps to several also lists them all.
  return json(events.length === 1 ? { id: events[0]!.id } : { id: events[0]?.id, ids: events.map((e) => e.id) }, 202);
}

export const webhookIngress: HttpHandler = async (req, deps) => {
  const path = new URL(req.url).pathname;
  const client = clientInfo(req);
  let sourceId = '';
  let tenant = 'default';
  try {
    const m = PATH.exec(path);
    if (!m) throw errors.notFound('not_found', `No route for ${path}`);
    try {
      sourceId = decodeURIComponent(m[1]!);
    } catch {
      throw errors.notFound('unknown_source', 'The source name is not valid');
    }
    const source = sourceFor(deps, sourceId);
    tenant = source.config.tenant;
    return await ingest(req, deps, source, client);
  } catch (e) {
    const err = toAppError(e);
    if (err.status < 500) deps.logger.warn('webhook rejected', { path, code: err.code, client: client.ip });
    else deps.logger.error('webhook failed', { path, code: err.code, error: err.cause ?? err });
    // An unknown or malformed name is not echoed into the audit event's source attribute.
    const audited = SOURCE_ID.test(sourceId) ? sourceId : '(invalid)';
    await auditRejection(deps, audited, tenant, err, req, client);
    return problemResponse(err, path);
  }
};
