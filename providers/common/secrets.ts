import type { SecretProvider, SecretsConfig } from '../../shared/config/sections/secrets';
import { errors } from '../../shared/errors';
import type { Clock, Secrets } from '../../shared/ports';
import { cachedSecrets } from '../../shared/secrets';
import { envSecrets } from './env-secrets';

/** The managers a runtime offers besides env, each built from the `secrets` section. */
export type SecretManagers = Partial<Record<Exclude<SecretProvider, 'env'>, (section: SecretsConfig) => Secrets>>;

export interface SecretsIo {
  env: Record<string, string | undefined>;
  clock: Clock;
}

/** Environment variables, with `secrets.prefix` before each name. */
function prefixedEnv(section: SecretsConfig, env: Record<string, string | undefined>): Secrets {
  const inner = envSecrets(env);
  return { get: (name) => inner.get(`${section.prefix ?? ''}${name}`) };
}

/**
 * `deps.secrets` of a runtime: the manager `secrets.provider` names, behind the TTL cache.
 * Each cloud passes only its own managers (so no bundle carries another cloud's SDK); env is
 * offered everywhere. A manager this runtime does not offer is a configuration error naming
 * `secrets.provider` and what would work.
 */
export function configuredSecrets(runtime: string, section: SecretsConfig, managers: SecretManagers, io: SecretsIo): Secrets {
  const { provider } = section;
  let inner: Secrets;
  if (provider === 'env') {
    inner = prefixedEnv(section, io.env);
  } else {
    const make = managers[provider];
    if (!make) throw errors.config(secretsProblem(runtime, section, managers)!, 'secrets.provider');
    inner = make(section);
  }
  return cachedSecrets(inner, { ttlSeconds: section.ttlSeconds, clock: io.clock });
}

/**
 * Why `secrets.provider` is not offered by a runtime with these managers (undefined when it is):
 * the check configuredSecrets makes at cold start, callable before anything starts.
 */
export function secretsProblem(runtime: string, section: Pick<SecretsConfig, 'provider'>, managers: SecretManagers): string | undefined {
  const { provider } = section;
  if (provider === 'env' || managers[provider]) return undefined;
  const offered = ['env', ...Object.keys(managers)].join(', ');
  return `secrets.provider: ${provider} is not available on ${runtime}; use ${offered}`;
}
