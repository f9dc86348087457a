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
const NONE: readonly NotedSuccess[] = Object.freeze([]);
/** Events are kept while their deliveries are being attempted: a bounded window, not the sweep. */
const MAX_EVENTS = 256;
const MAX_SUBSCRIPTIONS = 1000;

export interface CachedBreaker {
  state: BreakerState;
  /** The version read; undefined after this worker wrote it (the port does not return the new one). */
  version?: string;
}

/**
 * Successes recorded on a kept clean breaker without a read (breaker-store.ts recordResult):
 * another worker may have recorded a failure since that state was read, which they must clear.
 * Each is confirmed on this cache's next read of that breaker, or by confirmSuccesses.
 */
export interface NotedSuccess {
  readonly tenant: string;
  readonly subscriptionId: string;
  /** The closed breaker's generation the successes went in. */
  readonly generation: number;
  /** Epoch ms (deps.clock) from which its confirmation is due: its first success. */
  readonly first: number;
  /** Epoch ms (deps.clock) of the latest success noted: a run of failures begun before it is over. */
  at: number;
  /** Handed out by dueSuccesses, so that one confirmation is under way at a time. */
  claimed?: boolean;
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
  /** Notes a success at `at` (epoch ms) in `generation`, to be confirmed against the stored breaker. */
  noteSuccess(tenant: string, subscriptionId: string, generation: number, at: number): void;
  /** The successes noted for this breaker and not yet confirmed. */
  noted(tenant: string, subscriptionId: string): NotedSuccess | undefined;
  /**
   * `note` was confirmed as it was when its latest success was at `at`: forgotten, or, when a
   * later success was noted meanwhile, due again from `now` (epoch ms) for that one.
   */
  forget(note: NotedSuccess, at: number, now: number): void;
  /** `note` could not be confirmed (a failed read, lost races): due again from `now`. */
  postpone(note: NotedSuccess, now: number): void;
  /** Hands out the notes due by `before` (epoch ms) that no other confirmation holds, oldest first. */
  dueSuccesses(before: number): readonly NotedSuccess[];
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
  // Likewise by tenant, then subscription; `order` holds them by their first success, confirmed
  // ones (no longer in `notes`) dropped as it is walked.
  const notes = new Map<string, Map<string, NotedSuccess>>();
  const order: NotedSuccess[] = [];
  const current = (n: NotedSuccess) => notes.get(n.tenant)?.get(n.subscriptionId) === n;
  const add = (note: NotedSuccess) => {
    let ofTenant = notes.get(note.tenant);
    if (!ofTenant) notes.set(note.tenant, (ofTenant = new Map()));
    ofTenant.set(note.subscriptionId, note);
    order.push(note);
  };
  const postpone = (note: NotedSuccess, now: number) => {
    if (current(note)) add({ tenant: note.tenant, subscriptionId: note.subscriptionId, generation: note.generation, first: now, at: note.at });
  };
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
    noteSuccess(tenant, subscriptionId, generation, at) {
      const noted = notes.get(tenant)?.get(subscriptionId);
      if (noted && noted.generation === generation) noted.at = Math.max(noted.at, at);
      else add({ tenant, subscriptionId, generation, first: at, at });
    },
    noted: (tenant, subscriptionId) => notes.get(tenant)?.get(subscriptionId),
    forget(note, at, now) {
      if (note.at !== at) postpone(note, now);
      else if (current(note)) notes.get(note.tenant)!.delete(note.subscriptionId);
    },
    postpone,
    dueSuccesses(before) {
      // Replaced and forgotten notes are dropped from the front as they come.
      while (order.length > 0 && !current(order[0]!)) order.shift();
      // Asked after every attempt of a sweep: nearly always nothing, and then no array made.
      if (order.length === 0 || order[0]!.first > before) return NONE;
      const due: NotedSuccess[] = [];
      for (const n of order) {
        if (n.first > before) break;
        if (current(n) && !n.claimed) due.push(Object.assign(n, { claimed: true }));
      }
      return due;
    },
  };
}
