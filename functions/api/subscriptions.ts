import { randomBytes } from 'node:crypto';
import type { HttpHandler } from '../../shared/contracts';
import { resetBreaker } from '../../shared/delivery/engine/unpark';
import { keys, sortableId } from '../../shared/delivery/keys';
import type { Subscription } from '../../shared/delivery/model';
import { generateSecret } from '../../shared/delivery/secret';
import { errors } from '../../shared/errors';
import { json } from '../../shared/http/body';
import type { Deps } from '../../shared/ports';
import { authenticate, pathId } from './auth';
import { readJsonObject } from './json';
import { mergePatch } from './merge-patch';
import { pageOf, parseCursor, parseLimit } from './pagination';
import { conflict, loadSubscription, subscriptionView, updateSubscription } from './records';
import { invalidSubscription, parseSubscriptionInput, type SubscriptionChanges } from './subscription-input';

/**
 * /subscriptions: the outbound webhook endpoints of the key's tenant. The signing secret is
 * generated here, shown once in the 201 (and again only by rotate-secret), and stored sealed by
 * the secrets port, bound to tenant and subscription id, so a sealed value copied elsewhere does
 * not open.
 */
export function requireSealer(deps: Deps) {
  if (!deps.sealer) throw errors.unavailable('sealer_unavailable', 'Subscription secrets cannot be sealed: no sealer is configured');
  return deps.sealer;
}

const OPTIONAL = ['filter', 'transform', 'headers', 'rateLimit'] as const;

/** Applies validated changes; `null` removes. Disabling by hand says `user`; re-enabling clears the reason. */
function apply(sub: Subscription, changes: SubscriptionChanges, now: number): Subscription {
  const next: Subscription = { ...sub, updatedAt: new Date(now).toISOString() };
  if (changes.url !== undefined) next.url = changes.url;
  for (const field of OPTIONAL) {
    const value = changes[field];
    if (value === null) delete next[field];
    else if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = value;
  }
  if (changes.enabled === true && !sub.enabled) {
    next.enabled = true;
    delete next.disabledReason;
  } else if (changes.enabled === false && sub.enabled) {
    next.enabled = false;
    next.disabledReason = 'user';
  }
  return next;
}

export const createSubscription: HttpHandler = async (req, deps) => {
  const { tenant, keyId } = authenticate(req, deps, 'subscriptions:write');
  const changes = parseSubscriptionInput(await readJsonObject(req), { mode: 'create', allowPrivate: deps.config.egress.allowPrivate });
  const sealer = requireSealer(deps);
  const now = deps.clock.now();
  const at = new Date(now).toISOString();
  const id = sortableId('sub_', now);
  const secret = generateSecret(randomBytes);
  const sealed = await sealer.seal(secret, { tenant, subscription: id });
  const base: Subscription = { id, tenant, url: changes.url!, enabled: true, createdAt: at, updatedAt: at, secrets: [{ sealed, createdAt: at }] };
  const sub = apply(base, changes, now);
  if (!(await deps.store.put(keys.subscription(tenant, id), JSON.stringify(sub), { ifAbsent: true }))) throw conflict();
  deps.logger.info('subscription created', { tenant, keyId, subscriptionId: id, host: new URL(sub.url).host });
  // The one answer that shows the secret: no cache or proxy on the way may keep it (RFC 9111 5.2.2.5).
  return json({ ...subscriptionView(sub), secret }, 201, { location: `/subscriptions/${id}`, 'cache-control': 'no-store' });
};

export const listSubscriptions: HttpHandler = async (req, deps) => {
  const { tenant } = authenticate(req, deps, 'subscriptions:read');
  const params = new URL(req.url).searchParams;
  const prefix = keys.subscriptions(tenant);
  const limit = parseLimit(params);
  const page = await deps.store.list(prefix, { limit, after: parseCursor(params, prefix) });
  const items = page.items.map((i) => subscriptionView(JSON.parse(i.value) as Subscription));
  return json(pageOf(items, page.next));
};

export const getSubscription: HttpHandler = async (req, deps) => {
  const { tenant } = authenticate(req, deps, 'subscriptions:read');
  const { record } = await loadSubscription(deps, tenant, pathId(req, 1, 'subscription'));
  return json(subscriptionView(record));
};

/** Object-valued fields a PATCH merges into (RFC 7396) rather than replaces. */
const MERGED = ['filter', 'headers', 'rateLimit'] as const;

/**
 * The body of a PATCH applied to the stored record as a JSON merge patch: in `headers`,
 * `rateLimit` and `filter` a member merges into what is stored and `null` removes it (one header,
 * say), as `null` removes a whole field at the top level. The result is validated as a whole.
 */
function merged(body: Record<string, unknown>, current: Subscription): Record<string, unknown> {
  const out = { ...body };
  for (const field of MERGED) {
    const value = body[field];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const patch = field === 'headers' ? lowerCaseNames(value as Record<string, unknown>) : value;
    const next = mergePatch(current[field], patch) as Record<string, unknown>;
    out[field] = Object.keys(next).length === 0 ? null : next;
  }
  return out;
}

/**
 * Header names are case-insensitive and stored lower-cased, so a patch member merges into (or
 * with `null` removes) the stored header whatever its case. Only ASCII letters fold: a name with
 * other characters is passed on as sent, for validation to refuse (String.toLowerCase would fold
 * the Kelvin sign U+212A into "k" and make a valid name of an invalid one). A patch naming one
 * header twice in two cases is refused here, since a `null` member would vanish in the merge
 * before validation could see the duplicate, and one spelling would win silently.
 */
function lowerCaseNames(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(headers)) {
    const lower = /^[\x21-\x7e]+$/.test(name) ? name.toLowerCase() : name;
    if (Object.hasOwn(out, lower)) throw invalidSubscription([`headers[${JSON.stringify(name.slice(0, 128))}]: given twice (names are case-insensitive)`]);
    Object.defineProperty(out, lower, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export const patchSubscription: HttpHandler = async (req, deps) => {
  const { tenant, keyId } = authenticate(req, deps, 'subscriptions:write');
  const id = pathId(req, 1, 'subscription');
  const body = await readJsonObject(req);
  const { allowPrivate } = deps.config.egress;
  // Validated inside the update: a header sent back as "[redacted]" keeps the value stored now.
  const { before, after } = await updateSubscription(deps, tenant, id, (current) =>
    apply(current, parseSubscriptionInput(merged(body, current), { mode: 'update', allowPrivate, storedHeaders: current.headers }), deps.clock.now()));
  let unparked = 0;
  if (after.enabled && (!before.enabled || before.url !== after.url)) {
    // A fresh start: the breaker that disabled it (five days of failure) would trip again at once,
    // and a new endpoint is not the one whose failures opened it (an hour-long open period, a
    // first failed probe disabling the subscription when the old endpoint's five days were up).
    // The deliveries it held back for its probe time are due now (engine/unpark.ts). A disabled
    // subscription keeps its breaker until it is enabled: made due now, those deliveries would
    // only be failed at once as subscription_disabled.
    unparked = await resetBreaker(deps, tenant, id);
  }
  deps.logger.info('subscription updated', { tenant, keyId, subscriptionId: id, fields: Object.keys(body), ...(unparked > 0 ? { unparked } : {}) });
  return json(subscriptionView(after));
};

export const deleteSubscription: HttpHandler = async (req, deps) => {
  const { tenant, keyId } = authenticate(req, deps, 'subscriptions:write');
  const id = pathId(req, 1, 'subscription');
  await loadSubscription(deps, tenant, id);
  // Its pending deliveries end as failed (`subscription_deleted`) at their next wake-up.
  await deps.store.delete(keys.subscription(tenant, id));
  await deps.store.delete(keys.breaker(tenant, id));
  deps.logger.info('subscription deleted', { tenant, keyId, subscriptionId: id });
  return new Response(null, { status: 204 });
};
