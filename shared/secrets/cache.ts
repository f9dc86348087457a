import { AppError } from '../errors';
import type { Clock } from '../ports/clock';
import type { Secrets } from '../ports/secrets';

export interface SecretCacheOptions {
  /** How long a value is served from memory; 0 = every get asks the manager. */
  ttlSeconds: number;
  clock: Clock;
  /**
   * How long "no such secret" is remembered (default 5 s, never longer than ttlSeconds): long
   * enough that a burst of lookups of a missing name costs one call, short enough that a secret
   * created to fix the problem is picked up almost at once.
   */
  negativeTtlSeconds?: number;
  /**
   * How long past its TTL a value is still served while the manager cannot answer (a retryable
   * failure: outage, throttling, network); default ttlSeconds, so no value older than twice the
   * TTL is ever used. 0 surfaces every failed refresh.
   */
  staleIfErrorSeconds?: number;
  /** Distinct names kept (default 1000); the least recently fetched is dropped first. */
  maxEntries?: number;
}

interface Entry {
  value: string | undefined;
  /** Until then the entry is served without asking the manager. */
  expiresAt: number;
  /** Until then the value may stand in for a failed refresh. */
  staleUntil: number;
}

/** A failure a later call may not have: the manager's outage, not a bad name or value. */
const transient = (e: unknown): boolean => !(e instanceof AppError) || e.retryable;

/**
 * A TTL cache in front of any Secrets. Secret managers bill and throttle per call (Secrets
 * Manager and Key Vault both recommend client-side caching:
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets.html,
 * https://learn.microsoft.com/azure/key-vault/general/overview-throttling), so a warm function
 * asks once per TTL. Concurrent gets of one name share one call, also with ttlSeconds 0; a
 * failure is never cached as an answer.
 *
 * A refresh that fails transiently keeps serving the last value (stale-if-error, as the AWS
 * caching clients do) for up to staleIfErrorSeconds, asking again at most every
 * negativeTtlSeconds meanwhile: a manager outage must not turn a value we held a moment ago into
 * failed webhooks, nor should every request of the outage hit the failing manager. "No such
 * secret" is an answer, not a failure: it replaces the value at once (a deleted secret is gone).
 */
export function cachedSecrets(inner: Secrets, opts: SecretCacheOptions): Secrets {
  const ttlMs = opts.ttlSeconds * 1000;
  const negativeMs = Math.min(ttlMs, (opts.negativeTtlSeconds ?? 5) * 1000);
  const staleMs = (opts.staleIfErrorSeconds ?? opts.ttlSeconds) * 1000;
  const maxEntries = opts.maxEntries ?? 1000;
  const entries = new Map<string, Entry>();
  const inflight = new Map<string, Promise<string | undefined>>();

  const remember = (name: string, value: string | undefined) => {
    const lifetime = value === undefined ? negativeMs : ttlMs;
    entries.delete(name); // re-inserted last: Map order is fetch order
    if (lifetime <= 0) return;
    const now = opts.clock.now();
    entries.set(name, { value, expiresAt: now + lifetime, staleUntil: now + lifetime + (value === undefined ? 0 : staleMs) });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };

  /** The last value in place of a failed refresh, when it is recent enough; else the failure. */
  const fallBack = (name: string, e: unknown): string => {
    const last = entries.get(name);
    const now = opts.clock.now();
    if (!transient(e)) entries.delete(name); // the manager answered: the value it had is no more
    if (!last || last.value === undefined || !transient(e) || now >= last.staleUntil) throw e;
    last.expiresAt = Math.min(last.staleUntil, now + Math.max(negativeMs, 1));
    return last.value;
  };

  return {
    get(name) {
      const hit = entries.get(name);
      if (hit && opts.clock.now() < hit.expiresAt) return Promise.resolve(hit.value);
      const pending = inflight.get(name);
      if (pending) return pending;
      const call = Promise.resolve()
        .then(() => inner.get(name))
        .then((value) => {
          remember(name, value);
          return value;
        }, (e: unknown) => fallBack(name, e))
        .finally(() => inflight.delete(name));
      inflight.set(name, call);
      return call;
    },
  };
}
