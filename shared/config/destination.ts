import type { Config, DestinationConfig } from './schema';

/**
 * The destination configured under `name`, or undefined. Names come from routes and schedules,
 * so only the section's own entries count: `toString` or `constructor` is no destination, rather
 * than Object.prototype's function taken for one.
 */
export const configuredDestination = (config: Pick<Config, 'destinations'>, name: string): DestinationConfig | undefined =>
  (Object.hasOwn(config.destinations, name) ? config.destinations[name] : undefined);
