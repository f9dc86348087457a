import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import type { HttpHandler } from '../../shared/contracts';
import { keys, SAFE_PART } from '../../shared/delivery/keys';
import { type Delivery, rotateSecrets } from '../../shared/delivery/model';
import { generateSecret } from '../../shared/delivery/secret';
import { AppError, errors } from '../../shared/errors';
import { json } from '../../shared/http/body';
import type { Deps } from '../../shared/ports';
import { authenticate, pathId } from './auth';
import { scanDeliveries } from './delivery-scan';
import { readJsonObject } from './json';
import { encodeCursor, parseIso } from './pagination';
import { eventOf, loadSubscription, requireEnabled, scheduleNow, updateSubscription } from './records';
import { requireSealer } from './subscriptions';

/** POST /subscriptions/{id}/rotate-secret and /recover. */
const DAY_SECONDS = 24 * 3600;
const MAX_OVERLAP_SECONDS = 7 * DAY_SECONDS;
/**
 * What one recover request does before it answers `complete: false` with `resumeAfter`: records
 * read, deliveries resent, and time spent (by the injected clock) before the next one is started.
 * Each resend is a few round trips to the store and a wake-up sent; the API function has 10 s on
 * AWS and API Gateway answers 504 after 29 s, which would leave the caller not knowing how far
 * the request got.
 */
const MAX_RECOVER_SCAN = 20_000;
/**
 * And characters of records read: 20,000 records of a full retry schedule are about 30 MB, while a
 * record written before attempt responses were kept apart holds them and is read whole (up to
 * 20 KB an attempt): without it, 20,000 of those were gigabytes in one request.
 */
export const MAX_RECOVER_CHARS = 32 * 1024 * 1024;
export const MAX_RECOVER_RESENDS = 1000;
export const RECOVER_BUDGET_MS = 5000;

const rotateSchema = z.strictObject({
  overlapSeconds: z.optional(z.number().check(z.int(), z.gte(0), z.lte(MAX_OVERLAP_SECONDS))),
});
const recoverSchema = z.strictObject({ since: z.string(), until: z.optional(z.string()), resumeAfter: z.optional(z.string()) });

function parseBody<T>(schema: z.ZodMiniType<T>, body: unknown, hint: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((i) => {
    const keys = (i as { keys?: string[] }).keys;
    return i.code === 'unrecognized_keys' && keys ? keys.map((k) => `${k}: unknown field`) : [`${i.path.join('.') || '(body)'}: ${hint}`];
  });
  return invalid(problems);
}

function invalid(problems: string[]): never {
  throw new AppError('invalid_request', 'The request body is not valid', { status: 422, extra: { problems } });
}

/**
 * A new signing secret. The previous ones keep signing (deliveries carry one signature per live
 * secret, as Standard Webhooks allows) until `overlapSeconds` from now, default 24 h, at most 7
 * days; 0 retires them at once. A rotation that would make a sixth secret is 409
 * `too_many_secrets` (rotateSecrets): dropping the oldest would break the expiry its rotation
 * answered.
 */
export const rotateSecret: HttpHandler = async (req, deps) => {
  const { tenant, keyId } = authenticate(req, deps, 'subscriptions:write');
  const id = pathId(req, 1, 'subscription');
  const body = parseBody(rotateSchema, await readJsonObject(req, { optional: true }), `overlapSeconds must be an integer from 0 to ${MAX_OVERLAP_SECONDS}`);
  await loadSubscription(deps, tenant, id);
  const sealer = requireSealer(deps);
  const overlapMs = (body.overlapSeconds ?? DAY_SECONDS) * 1000;
  const secret = generateSecret(randomBytes);
  const sealed = await sealer.seal(secret, { tenant, subscription: id });
  const now = deps.clock.now();
  const { after } = await updateSubscription(deps, tenant, id, (current) => ({
    ...current, secrets: rotateSecrets(current.secrets, sealed, now, overlapMs), updatedAt: new Date(now).toISOString(),
  }));
  const previous = after.secrets.slice(1).map((s) => Date.parse(s.expiresAt!));
  const previousSecretExpiresAt = new Date(previous.length > 0 ? Math.max(...previous) : now).toISOString();
  deps.logger.info('subscription secret rotated', { tenant, keyId, subscriptionId: id, previousSecretExpiresAt });
  return json({ secret, previousSecretExpiresAt }, 200, { 'cache-control': 'no-store' });
};

/**
 * Where a stopped recover goes on: the subscription and the last delivery key it dealt with,
 * base64url. A time alone cannot say it: more records than one request reads may share a
 * millisecond, and a request resumed at that millisecond would read the same ones and stop again.
 * Opaque to clients and accepted only for the tenant's delivery log and the subscription it was
 * made for, so a crafted one cannot move the scan into another tenant's keys.
 */
const encodeResume = (subscriptionId: string, key: string) => encodeCursor(`${subscriptionId}/${key}`);

function parseResume(raw: string, tenant: string, subscriptionId: string): string {
  const text = /^[A-Za-z0-9_-]{1,700}$/.test(raw) ? Buffer.from(raw, 'base64url').toString('utf8') : '';
  const prefix = `${subscriptionId}/${keys.deliveries(tenant)}`;
  if (!text.startsWith(prefix) || !SAFE_PART.test(text.slice(prefix.length))) {
    throw errors.badRequest('invalid_cursor', 'resumeAfter is not one this API returned for this subscription', { field: 'resumeAfter' });
  }
  return text.slice(subscriptionId.length + 1);
}

/**
 * Replays the failed deliveries of a subscription created in [since, until] (until: now), e.g.
 * after its endpoint was fixed: each becomes pending and due now, its attempt log kept. One whose
 * event has outlived its retention cannot be sent: it stays failed as it was, counted in `expired`.
 * Bounded per request (above): a request that stops early answers `resumeAfter`, after the last
 * record it dealt with, to send with the same window. `resumeSince` (that record's creation time)
 * stays for clients that resume by time; the deliveries it recovered are pending by then, so such
 * a request passes over them, but it cannot get past a millisecond holding more records than one
 * request reads.
 */
export const recoverDeliveries: HttpHandler = async (req, deps) => {
  const { tenant, keyId } = authenticate(req, deps, 'deliveries:write');
  const id = pathId(req, 1, 'subscription');
  const body = parseBody(recoverSchema, await readJsonObject(req), 'since (required) and until are ISO 8601 date-times, resumeAfter the string a previous answer gave');
  requireEnabled((await loadSubscription(deps, tenant, id)).record);
  const since = parseIso(body.since);
  const until = body.until === undefined ? deps.clock.now() : parseIso(body.until);
  if (since === undefined) invalid(['since: must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z']);
  if (until === undefined) invalid(['until: must be an ISO 8601 date-time, e.g. 2026-01-02T00:00:00Z']);
  if (until < since) invalid(['until: must not be before since']);
  const after = body.resumeAfter === undefined ? undefined : parseResume(body.resumeAfter, tenant, id);
  const started = deps.clock.now();
  let recovered = 0;
  let expired = 0;
  let lastCreated: string | undefined;
  let lastKey: string | undefined;
  let declined = false;
  const stoppedAt = await scanDeliveries(deps, { tenant, since, until, after, maxScanned: MAX_RECOVER_SCAN, maxChars: MAX_RECOVER_CHARS }, async ({ key, delivery, version }) => {
    // Always one record: a request that could not deal with any would be resumed from where it began.
    if (lastKey !== undefined && (recovered >= MAX_RECOVER_RESENDS || deps.clock.now() - started >= RECOVER_BUDGET_MS)) {
      declined = true;
      return false;
    }
    lastKey = key;
    lastCreated = delivery.createdAt;
    if (delivery.subscriptionId !== id || delivery.status !== 'failed') return true;
    const event = await eventOf(deps, tenant, delivery);
    if (event === undefined) {
      expired += 1;
      return true;
    }
    if (await resend(deps, tenant, delivery, version, event)) recovered += 1;
    return true;
  });
  const complete = stoppedAt === undefined;
  deps.logger.info('deliveries recovered', { tenant, keyId, subscriptionId: id, recovered, expired, complete });
  if (complete) return json({ recovered, ...(expired > 0 ? { expired } : {}) }, 202);
  // The scan names the record it stopped at; one this request declined is still to be dealt with.
  const resumeKey = declined ? lastKey! : stoppedAt;
  return json({ recovered, ...(expired > 0 ? { expired } : {}), complete: false, resumeAfter: encodeResume(id, resumeKey), resumeSince: lastCreated ?? new Date(since).toISOString() }, 202);
};

/** Makes a failed delivery due now; the engine may touch the record meanwhile: re-read, and recover it only if still failed. */
async function resend(deps: Deps, tenant: string, delivery: Delivery, version: string, event: string): Promise<boolean> {
  let current = { record: delivery, version };
  for (let i = 0; i < 3 && current.record.status === 'failed'; i++) {
    if (await scheduleNow(deps, tenant, current.record, current.version, event)) return true;
    const fresh = await deps.store.get(keys.delivery(tenant, delivery.id));
    if (!fresh) return false;
    current = { record: JSON.parse(fresh.value) as Delivery, version: fresh.version };
  }
  return false;
}
