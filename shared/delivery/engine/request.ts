import { createSecretKey, type KeyObject } from 'node:crypto';
import { isAppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import type { Delivery, Subscription } from '../model';
import { liveSecrets } from '../model';
import { decodeSecret } from '../secret';
import { signWithKeys } from '../sign';
import { applyTransformSource } from '../../transform/jsonata';
import type { DeliveryDeps } from './deps';
import { head } from '../../events/text-cut';

/**
 * The request of one attempt: the event as a structured CloudEvent (JSON), its `data` replaced by
 * the subscription's transform output when it has one, signed with every live secret of the
 * subscription (two during a rotation overlap) under the delivery id, stable across attempts.
 */
const opened = new Map<string, KeyObject>();
const MAX_OPENED = 1000;
/**
 * The keys of one subscription record as read (the sweep shares one parsed object among its
 * attempts, sweep-cache.ts), kept from the time they were chosen until the first of them expires:
 * in between the same secrets sign. Any change to the record (a rotation, a new URL) is a new
 * object, and with it a new choice. Saves choosing and looking up the secrets per attempt.
 */
const ofSubscription = new WeakMap<Subscription, { keys: KeyObject[]; from: number; until: number }>();

/**
 * The HMAC keys of the live secrets: unsealed and decoded once per sealed secret, then kept as
 * secret KeyObjects (createHmac takes them as they are; bytes it would copy and check per call).
 * The cache key holds the sealing context (tenant, subscription) as well as the sealed text: the
 * sealer binds a secret to its subscription, so a sealed value copied into another
 * subscription's record fails to open there. Keyed on the sealed text alone, a copy made after
 * the first opening would have been signed with the other subscription's key.
 */
function keysOf(deps: DeliveryDeps, sub: Subscription, now: number): KeyObject[] | Promise<KeyObject[]> {
  const kept = ofSubscription.get(sub);
  return kept && now >= kept.from && now < kept.until ? kept.keys : chooseKeys(deps, sub, now);
}

async function chooseKeys(deps: DeliveryDeps, sub: Subscription, now: number): Promise<KeyObject[]> {
  const out: KeyObject[] = [];
  let until = Infinity;
  for (const secret of liveSecrets(sub.secrets, now)) {
    const { sealed } = secret;
    const cacheKey = `${sub.tenant}\u0000${sub.id}\u0000${sealed}`;
    let key = opened.get(cacheKey);
    if (key === undefined) {
      key = createSecretKey(decodeSecret(await deps.sealer.open(sealed, { tenant: sub.tenant, subscription: sub.id })));
      if (opened.size >= MAX_OPENED) opened.delete(opened.keys().next().value!);
      opened.set(cacheKey, key);
    }
    out.push(key);
    if (secret.expiresAt !== undefined) until = Math.min(until, Date.parse(secret.expiresAt));
  }
  ofSubscription.set(sub, { keys: out, from: now, until });
  return out;
}

/** A transform that fails on this event fails the delivery: the same input fails every time. */
export class TransformFailed extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * The body: the stored event text as it is, or the event with its data replaced by the
 * transform's output. That output is JSON whatever the event carried (text, or binary as
 * `data_base64`), so the event says `datacontenttype: application/json` and loses `data_base64`:
 * the JSON event format allows `data` or `data_base64`, never both.
 */
function payload(deps: DeliveryDeps, sub: Subscription, eventText: string): string | Promise<string> {
  return sub.transform ? transformed(deps, sub.transform, eventText) : eventText;
}

/**
 * Applied by its text: the transform worker compiles it (and keeps it compiled), not this thread,
 * which runs every tenant's attempts and would stall on each one for as long as jsonata takes to
 * parse the text (over 100 ms for some). The text was checked when the subscription was saved; a
 * stored one that does not compile fails as transform_failed, from the worker.
 */
async function transformed(deps: DeliveryDeps, transform: string, eventText: string): Promise<string> {
  try {
    const event = JSON.parse(eventText) as CloudEvent;
    const { data_base64: _binary, ...rest } = event;
    return JSON.stringify({ ...rest, datacontenttype: 'application/json', data: await applyTransformSource(transform, event, { clock: deps.clock }) });
  } catch (e) {
    throw transformFailed(e);
  }
}

/** Characters of a failure's text kept with the delivery, as for the transform's own errors. */
const MAX_FAILURE_CHARS = 500;

/**
 * Why applying the transform failed. Its own errors keep their codes (`transform_timeout`,
 * `transform_too_large`, `transform_failed`); anything else thrown on the way (a stored event
 * that is not a JSON object) is this event failing it too, `transform_failed` with what was
 * thrown: the same text fails every attempt. As an internal error it would be kept as
 * `internal_error: Internal error`, which says neither what failed nor that it was the transform.
 */
function transformFailed(e: unknown): TransformFailed {
  if (isAppError(e)) return new TransformFailed(e.code, e.message);
  return new TransformFailed('transform_failed', storable(`transform failed: ${e instanceof Error ? e.message : String(e)}`));
}

/** At most MAX_FAILURE_CHARS, not cut inside a surrogate pair, and none alone: the stores refuse text with one. */
function storable(text: string): string {
  return head(text, MAX_FAILURE_CHARS).replace(/[\uD800-\uDFFF]/gu, '\uFFFD');
}

export interface AttemptRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * `eventText` is the event as fan-out stored it (JSON.stringify of the CloudEvent), which is
 * byte for byte what stringifying it again after parsing would give, so it is sent unparsed.
 * The body is its UTF-8 bytes, encoded once here for both the signature and the request (given
 * the text, each would encode it again).
 *
 * Not async: with no transform and the keys kept (nearly every attempt) the request is built at
 * once, without the promises and turns of the microtask queue of three async functions. Only a
 * transform or the sealer makes it a promise; the caller awaits either alike.
 */
export function buildRequest(deps: DeliveryDeps, sub: Subscription, delivery: Delivery, eventText: string): AttemptRequest | Promise<AttemptRequest> {
  const now = deps.clock.now();
  const text = payload(deps, sub, eventText);
  return typeof text === 'string' ? signedRequest(deps, sub, delivery, now, text) : text.then((t) => signedRequest(deps, sub, delivery, now, t));
}

function signedRequest(deps: DeliveryDeps, sub: Subscription, delivery: Delivery, now: number, text: string): AttemptRequest | Promise<AttemptRequest> {
  const body = Buffer.from(text, 'utf8');
  const keys = keysOf(deps, sub, now);
  return Array.isArray(keys) ? request(sub, delivery, now, body, keys) : keys.then((k) => request(sub, delivery, now, body, k));
}

function request(sub: Subscription, delivery: Delivery, now: number, body: Buffer, keys: readonly KeyObject[]): AttemptRequest {
  const signature = signWithKeys({ id: delivery.id, timestampSeconds: Math.floor(now / 1000), body, keys });
  // Object.assign, not a spread literal: on Node 20's V8 each key added after a spread copy costs
  // about half a microsecond. Header names were checked when the subscription was saved.
  const headers: Record<string, string> = Object.assign({}, sub.headers, {
    'content-type': 'application/cloudevents+json; charset=utf-8',
    'user-agent': 'secorch-webhooks/1',
  }, signature);
  // Object.assign sets members, and setting `__proto__` sets the prototype: a header of that name
  // (a valid token, kept as an own member by the API) would be dropped without a word.
  if (sub.headers !== undefined && Object.hasOwn(sub.headers, '__proto__')) {
    Object.defineProperty(headers, '__proto__', { value: sub.headers['__proto__'], enumerable: true, writable: true, configurable: true });
  }
  return { body, headers };
}
