import { createHash } from 'node:crypto';
import { compileConfig, compileConfigAsync, type Config } from '../../shared/config';
import type { SecretsConfig } from '../../shared/config/sections/secrets';
import { jsonLogger } from '../../shared/log/json-logger';
import { type Logger, type Secrets, systemClock } from '../../shared/ports';
import { withoutSecretValues } from './config-errors';

/**
 * The configuration is compiled into each bundle at build time (esbuild `define`), so function
 * bundles carry no YAML parser and no file read at cold start; `${VAR}` references stay in it and
 * are resolved here from the function's environment, then validated.
 */
declare const __SECORCH_CONFIG__: unknown;

function bundled(): unknown {
  if (typeof __SECORCH_CONFIG__ === 'undefined') {
    throw new Error('This bundle was built without a configuration: run `npm run build` (SECORCH_CONFIG selects the file)');
  }
  return __SECORCH_CONFIG__;
}

/** The bundled configuration, for callers that cannot await: `secret://` references are refused. */
export function bundledConfig(env: Record<string, string | undefined> = process.env): Config {
  return compileConfig(bundled(), env);
}

/**
 * Resolves the references of the bundled configuration again (the secrets port's cache has
 * expired by then, so the managers are asked): the new configuration and the names of the
 * secrets whose values changed, or undefined when none did.
 */
export type ConfigReload = () => Promise<{ config: Config; changed: string[] } | undefined>;

/**
 * Each resolved secret's value as a digest: enough to tell a change, without a second copy
 * beyond the compilation (`values` holds them only until it ends, for compiled()).
 */
function recording(secrets: Secrets, digests: Map<string, string>, values: string[]): Secrets {
  return {
    get: async (name) => {
      const value = await secrets.get(name);
      digests.set(name, value === undefined ? '' : `=${createHash('sha256').update(value).digest('base64')}`);
      if (value !== undefined) values.push(value);
      return value;
    },
  };
}

/**
 * compileConfigAsync whose errors never quote a referenced value. Checks quote what they refuse
 * (an allowlist entry, a cron expression, a destination name), which helps with a literal and
 * leaks a value kept in a secret manager; the error then names the path with the value
 * replaced, at cold start and in the warning of a failed re-read alike.
 */
async function compiled(
  secretsFor: (section: SecretsConfig, values: string[]) => Secrets, env: Record<string, string | undefined>,
): Promise<Config> {
  const values: string[] = [];
  try {
    return await compileConfigAsync(bundled(), env, (section) => secretsFor(section, values));
  } catch (e) {
    throw withoutSecretValues(e, values);
  }
}

/**
 * The bundled configuration with `secret://` references resolved, and the secrets port they
 * were resolved through (the same instance, so its cache is warm for `deps.secrets`).
 * `secretsFor` builds the port from the `secrets` section; it is called once. `reload` is there
 * when a reference was resolved through a manager (environment variables do not change while a
 * function instance lives).
 */
export async function bundledConfigWithSecrets(
  secretsFor: (section: SecretsConfig) => Secrets, env: Record<string, string | undefined> = process.env,
): Promise<{ config: Config; secrets: Secrets; reload?: ConfigReload }> {
  let secrets: Secrets | undefined;
  const once = (section: SecretsConfig) => (secrets ??= secretsFor(section));
  let seen = new Map<string, string>();
  const config = await compiled((section, values) => recording(once(section), seen, values), env);
  if (seen.size === 0 || config.secrets.provider === 'env') return { config, secrets: once(config.secrets) };
  const port = once(config.secrets);
  const reload: ConfigReload = async () => {
    const digests = new Map<string, string>();
    const next = await compiled((_section, values) => recording(port, digests, values), env);
    const changed = [...digests].filter(([name, digest]) => seen.get(name) !== digest).map(([name]) => name);
    if (changed.length === 0 && digests.size === seen.size) return undefined;
    seen = digests;
    return { config: next, changed };
  };
  return { config, secrets: port, reload };
}

export function stdoutLogger(level: Config['logLevel'], fields: Record<string, unknown> = {}): Logger {
  return jsonLogger({ level, clock: systemClock, write: (line) => process.stdout.write(`${line}\n`), fields });
}

export { once } from './once';
