import type { Config } from '../../config/schema';
import { configuredDestination } from '../../config/destination';

/** "an okta destination", "a jira destination": by the first letter, which fits every destination type. */
const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/**
 * The check every connector job makes of the destination it names: that it exists and is of the
 * job's kind. `kind` is how the message names that kind ("jira", "an archive"). Undefined when
 * the destination is fine.
 */
export function destinationProblem(config: Config, name: string, type: string, path: string, kind = type): string | undefined {
  const dest = configuredDestination(config, name);
  if (!dest) return `${path}.destination: unknown destination "${name}"`;
  if (dest.type !== type) return `${path}.destination: "${name}" is ${article(dest.type)} ${dest.type} destination, not ${kind}`;
  return undefined;
}
