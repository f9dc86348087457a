import type { Transport } from '../types';

/**
 * One transport per configured connection, built on first use and shared by the destination and
 * the sync job that name it: they then share its token cache and circuit breaker. Keyed by the
 * compiled configuration object, so a new configuration builds new transports.
 */
const built = new WeakMap<object, Transport>();

export function transportFor(config: object, build: () => Transport): Transport {
  let t = built.get(config);
  if (!t) built.set(config, (t = build()));
  return t;
}
