import type { StoredItem } from '../../ports/store';
import type { BreakerState } from '../breaker';
import { keys } from '../keys';
import type { Subscription } from '../model';
import { type DeliveryDeps, type DeliverySettings, deliverySettings } from './deps';
import { batchedWrites, type PutAll } from './write-batch';

/**
 * Reads shared by the attempts of one sweep. A sweep makes hundreds of attempts for a handful of
 * subscriptions, and every one of them used to read the subscription, its breaker and the event
 * again. Here each is read once and kept for at most MAX_AGE_MS (wall time), so a change made
 * by another worker or the API is seen within that bound, like an attempt already in flight.
 * This worker's own changes (a subscription it disables, a breaker it opens or closes) are
 * written through, so later attempts of the same sweep see them at once.
 */
export const MAX_AGE_MS = 1000;
/** Events are kept while their deliveries are being attempted: a bounded window, not the sweep. */
const MAX_EVENTS = 256;
const MAX_SUBSCRIPTIONS = 1000;

export interface CachedBreaker {
  state: BreakerState;
  /** The version read; undefined after this worker wrote it (the port does not return the new one). */
  version?: string;
}

interface Entry<T> {
  at: number;
  value: Promise<T>;
}

export interface SweepCache {
  readonly settings: DeliverySettings;
  /** The store's putAll, with the writes of concurrent attempts committed together (write-batch.ts). */
  readonly putAll: PutAll;
  subscription(tenant: string, id: string): Promise<Subscription | undefined>;
  setSubscription(sub: Subscription): void;
  /** The event as stored (its JSON text). */
  event(tenant: string, ref: string): Promise<string | undefined>;
  breaker(tenant: string, subscriptionId: string): CachedBreaker | undefined;
  setBreaker(tenant: string, subscriptionId: string, breaker: CachedBreaker | undefined): void;
}

function memo<T>(max: number, load: (key: string) => Promise<T>) {
  const entries = new Map<string, Entry<T>>();
  return {
    get(key: string): Promise<T> {
      const now = performance.now();
      const hit = entries.get(key);
      if (hit && now - hit.at < MAX_AGE_MS) return hit.value;
      const value = load(key);
      // A failed read is not kept: the next attempt reads again.
      value.catch(() => entries.get(key)?.value === value && entries.delete(key));
      // Full: start again rather than track recency; within one sweep the reads come in waves.
      if (!hit && entries.size >= max) entries.clear();
      entries.set(key, { at: now, value });
      return value;
    },
    set(key: string, value: T): void {
      entries.set(key, { at: performance.now(), value: Promise.resolve(value) });
    },
  };
}

const valueOf = (item: StoredItem | undefined) => item?.value;

export function sweepCache(deps: DeliveryDeps): SweepCache {
  // A promise chained on the store's, not an async function: with few subscriptions per tenant
  // nearly every attempt reads its event.
  const read = (key: string) => deps.store.get(key).then(valueOf);
  const subs = memo(MAX_SUBSCRIPTIONS, async (key) => {
    const value = await read(key);
    return value === undefined ? undefined : (JSON.parse(value) as Subscription);
  });
  const events = memo(MAX_EVENTS, read);
  // By tenant, then subscription: asked three times per attempt, a key built from both parts cost
  // a string and its hash each time; the parts themselves are strings already hashed.
  const breakers = new Map<string, Map<string, { at: number; breaker: CachedBreaker }>>();
  return {
    settings: deliverySettings(deps),
    putAll: batchedWrites(deps.store),
    subscription: (tenant, id) => subs.get(keys.subscription(tenant, id)),
    setSubscription: (sub) => subs.set(keys.subscription(sub.tenant, sub.id), sub),
    event: (tenant, ref) => events.get(keys.event(tenant, ref)),
    breaker(tenant, subscriptionId) {
      const hit = breakers.get(tenant)?.get(subscriptionId);
      return hit && performance.now() - hit.at < MAX_AGE_MS ? hit.breaker : undefined;
    },
    setBreaker(tenant, subscriptionId, breaker) {
      let ofTenant = breakers.get(tenant);
      if (breaker) {
        if (!ofTenant) breakers.set(tenant, (ofTenant = new Map()));
        ofTenant.set(subscriptionId, { at: performance.now(), breaker });
      } else ofTenant?.delete(subscriptionId);
    },
  };
}
