import type { Sleep } from '../../shared/connectors/types';
import { realSleep } from '../../shared/connectors/sleep';
import { type Clock, type Deps, systemClock } from '../../shared/ports';
import { once } from './once';
import type { ConfigReload } from './runtime';

/** What a composition root builds: its deps and, when they hold values from a secret manager, how to re-read them. */
export interface Root {
  deps: Deps;
  reload?: ConfigReload;
}

export interface RefreshOptions {
  /**
   * How long an invocation waits for the re-read of values older than two periods before it goes
   * on with them (default 2 s): a manager answers in tens of milliseconds, while one that does
   * not answer would otherwise hold the invocation for the SDK's own timeouts.
   */
  maxWaitMs?: number;
  /** The timer behind maxWaitMs (tests bring their own). */
  sleep?: Sleep;
  /**
   * How long a failed cold start answers its error before an invocation builds again (default
   * 5 s, as long as the secrets cache remembers a missing name): a fixed secret or a manager back
   * up is picked up within it, and a burst of requests costs one build, not one each.
   */
  retryAfterMs?: number;
  /** The clock of retryAfterMs (the system clock unless a test brings its own). */
  clock?: Clock;
}

const DEFAULT_MAX_WAIT_MS = 2_000;
const DEFAULT_RETRY_AFTER_MS = 5_000;

/**
 * A composition root whose `secret://` values follow the manager. The deps are built once per
 * cold start; afterwards, every `secrets.ttlSeconds` (at least a second apart) the first
 * invocation starts a re-resolution in the background and goes on with the values in use
 * (stale-while-revalidate). When a value changed, later invocations get deps with the new
 * configuration, so an invocation always sees one configuration. Parts built from the
 * configuration at start (the store's, bus's and sealer's clients) keep their connections; what
 * reads the configuration per request (source verifiers, connectors, destinations, API keys)
 * uses the new values. A failed re-resolution (a manager down, a secret deleted, a value that
 * no longer validates) keeps the values in use, logs a warning naming the secret, never its
 * value, and is tried again a period later.
 *
 * A cold start that fails is built again by the first invocation retryAfterMs later; the ones
 * between get its error.
 *
 * Values read two periods ago or earlier are not used without asking: an instance idle that
 * long (or frozen between invocations, as Lambda freezes it, with the background re-read
 * stalled) would otherwise verify its next request with a secret rotated long before. That
 * invocation waits for the re-read, at most maxWaitMs. So every invocation that starts two
 * periods after a value was stored uses it, as long as the manager answers.
 */
export function refreshingRoot(build: () => Promise<Root>, opts: RefreshOptions = {}): () => Promise<Deps> {
  const first = once(build, { ms: opts.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS, clock: opts.clock ?? systemClock });
  const maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const sleep = opts.sleep ?? realSleep;
  let current: Deps | undefined;
  /** When the values in use were read, or a re-read last ended. */
  let readAt: number | undefined;
  let running: Promise<void> | undefined;
  return async () => {
    const root = await first();
    const { deps, reload } = root;
    current ??= deps;
    if (!reload) return current;
    const everyMs = Math.max(1, deps.config.secrets.ttlSeconds) * 1000;
    const now = deps.clock.now();
    readAt ??= now;
    if (now < readAt + everyMs) return current;
    // Through a resolved promise: a reload that throws at once is a failed re-read too.
    running ??= Promise.resolve().then(reload).then(
      (next) => {
        if (!next) return;
        current = Object.assign({}, deps, { config: next.config });
        // Not `secrets:`: the logger redacts any field named like a secret, and these are names.
        deps.logger.info('secret values changed: the configuration was re-read', { changed: next.changed });
      },
      (e: unknown) => deps.logger.warn('secret references could not be re-read: the values in use stay', { error: e }),
    ).finally(() => {
      running = undefined;
      readAt = deps.clock.now();
    });
    if (now >= readAt + 2 * everyMs) await atMost(running, maxWaitMs, sleep);
    return current;
  };
}

/** Waits for `work` (which never rejects), or `ms`, whichever ends first; the timer is called off. */
async function atMost(work: Promise<void>, ms: number, sleep: Sleep): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([work, sleep(ms, stop.signal).catch(() => undefined)]);
  } finally {
    stop.abort();
  }
}
