import type { Deps } from '../../shared/ports';
import { once } from './once';
import type { ConfigReload } from './runtime';

/** What a composition root builds: its deps and, when they hold values from a secret manager, how to re-read them. */
export interface Root {
  deps: Deps;
  reload?: ConfigReload;
}

/**
 * A composition root whose `secret://` values follow the manager. The deps are built once per
 * cold start; afterwards, every `secrets.ttlSeconds` (at least a second apart) the first
 * invocation starts a re-resolution in the background and goes on with the values in use
 * (stale-while-revalidate: no invocation waits for a manager). When a value changed, later
 * invocations get deps with the new configuration, so an invocation always sees one
 * configuration. Parts built from the configuration at start (the store's, bus's and sealer's
 * clients) keep their connections; what reads the configuration per request (source verifiers,
 * connectors, destinations, API keys) uses the new values. A failed re-resolution (a secret
 * deleted, a value that no longer validates) keeps the values in use, logs a warning naming the
 * secret, never its value, and is tried again a period later.
 */
export function refreshingRoot(build: () => Promise<Root>): () => Promise<Deps> {
  const first = once(build);
  let current: Deps | undefined;
  let nextAt = 0;
  let running = false;
  return async () => {
    const root = await first();
    const { deps, reload } = root;
    current ??= deps;
    if (!reload || running) return current;
    const everyMs = Math.max(1, deps.config.secrets.ttlSeconds) * 1000;
    const now = deps.clock.now();
    if (nextAt === 0) nextAt = now + everyMs;
    if (now < nextAt) return current;
    running = true;
    void reload().then(
      (next) => {
        if (!next) return;
        current = Object.assign({}, deps, { config: next.config });
        // Not `secrets:`: the logger redacts any field named like a secret, and these are names.
        deps.logger.info('secret values changed: the configuration was re-read', { changed: next.changed });
      },
      (e: unknown) => deps.logger.warn('secret references could not be re-read: the values in use stay', { error: e }),
    ).finally(() => {
      running = false;
      nextAt = deps.clock.now() + everyMs;
    });
    return current;
  };
}
