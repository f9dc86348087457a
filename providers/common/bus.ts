import type { Config } from '../../shared/config';
import { errors } from '../../shared/errors';
import type { EventBus } from '../../shared/ports';

export type BusConfig = NonNullable<Config['bus']>;
export type BusType = BusConfig['type'];

/** The bus types one runtime offers, each built from its own `bus` section. */
export type BusFactories<T extends BusType> = { [K in T]: (bus: Extract<BusConfig, { type: K }>) => EventBus };

/**
 * The event bus of a deployment: `bus` from the configuration when it names one of the types this
 * runtime offers, else the runtime's default (`fallback`, built only when needed, since it reads
 * the deploy's environment variables). Another runtime's type is a configuration error naming
 * `bus.type` and what this runtime offers, raised at cold start rather than at the first publish.
 */
export function configuredBus<T extends BusType>(config: Config, runtime: string, factories: BusFactories<T>, fallback: () => EventBus): EventBus {
  const bus = config.bus;
  if (!bus) return fallback();
  const problem = busProblem(config, runtime, Object.keys(factories));
  const make = (factories as Partial<Record<BusType, (b: BusConfig) => EventBus>>)[bus.type];
  if (problem || !make) throw errors.config(problem ?? `bus.type "${bus.type}" is not available`, 'bus.type');
  return make(bus);
}

/**
 * Why `bus` cannot be built by a runtime offering `offered` (undefined when it can): the check
 * configuredBus makes at cold start, callable before anything starts (npm start checks the local one).
 */
export function busProblem(config: Config, runtime: string, offered: readonly string[]): string | undefined {
  const bus = config.bus;
  if (!bus || offered.includes(bus.type)) return undefined;
  return `bus.type "${bus.type}" is not available on ${runtime}; use ${offered.join(', ')} (or leave bus unset for the default)`;
}
