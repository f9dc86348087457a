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
  /** Distinct names kept (default 1000); the least recently fetched is dropped first. */
  maxEntries?: number;
}

interface Entry {
  value: string | undefined;
  expiresAt: number;
}

/**
 * A TTL cache in front of any Secrets. Secret managers bill and throttle per call (Secrets
 * Manager and Key Vault both recommend client-side caching:
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets.html,
 * https://learn.microsoft.com/azure/key-vault/general/overview-throttling), so a warm function
 * asks once per TTL. Concurrent gets of one name share one call, also with ttlSeconds 0; a
 * failure is never cached, so the next get asks again.
 */
export function cachedSecrets(inner: Secrets, opts: SecretCacheOptions): Secrets {
  const ttlMs = opts.ttlSeconds * 1000;
  const negativeMs = Math.min(ttlMs, (opts.negativeTtlSeconds ?? 5) * 1000);
  const maxEntries = opts.maxEntries ?? 1000;
  const entries = new Map<string, Entry>();
  const inflight = new Map<string, Promise<string | undefined>>();

  const remember = (name: string, value: string | undefined) => {
    const lifetime = value === undefined ? negativeMs : ttlMs;
    entries.delete(name); // re-inserted last: Map order is fetch order
    if (lifetime <= 0) return;
    entries.set(name, { value, expiresAt: opts.clock.now() + lifetime });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
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
        })
        .finally(() => inflight.delete(name));
      inflight.set(name, call);
      return call;
    },
  };
}
