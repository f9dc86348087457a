import type { Config } from '../../config/schema';
import { configuredDestination } from '../../config/destination';

/**
 * The check every connector job makes of the destination it names: that it exists and is of the
 * job's kind. `kind` is how the message names that kind ("jira", "an archive"). Undefined when
 * the destination is fine.
 */
export function destinationProblem(config: Config, name: string, type: string, path: string, kind = type): string | undefined {
  const dest = configuredDestination(config, name);
  if (!dest) return `${path}.destination: unknown destination "${name}"`;
  if (dest.type !== type) return `${path}.destination: "${name}" is a ${dest.type} destination, not ${kind}`;
  return undefined;
}
