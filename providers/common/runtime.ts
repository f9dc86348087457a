import { compileConfig, compileConfigAsync, type Config } from '../../shared/config';
import type { SecretsConfig } from '../../shared/config/sections/secrets';
import { jsonLogger } from '../../shared/log/json-logger';
import { type Logger, type Secrets, systemClock } from '../../shared/ports';

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
 * The bundled configuration with `secret://` references resolved, and the secrets port they
 * were resolved through (the same instance, so its cache is warm for `deps.secrets`).
 * `secretsFor` builds the port from the `secrets` section; it is called once.
 */
export async function bundledConfigWithSecrets(
  secretsFor: (section: SecretsConfig) => Secrets, env: Record<string, string | undefined> = process.env,
): Promise<{ config: Config; secrets: Secrets }> {
  let secrets: Secrets | undefined;
  const once = (section: SecretsConfig) => (secrets ??= secretsFor(section));
  const config = await compileConfigAsync(bundled(), env, once);
  return { config, secrets: once(config.secrets) };
}

export function stdoutLogger(level: Config['logLevel'], fields: Record<string, unknown> = {}): Logger {
  return jsonLogger({ level, clock: systemClock, write: (line) => process.stdout.write(`${line}\n`), fields });
}

export { once } from './once';
