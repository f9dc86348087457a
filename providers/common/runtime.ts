import { compileConfig, type Config } from '../../shared/config';
import { jsonLogger } from '../../shared/log/json-logger';
import { type Logger, systemClock } from '../../shared/ports';

/**
 * The configuration is compiled into each bundle at build time (esbuild `define`), so function
 * bundles carry no YAML parser and no file read at cold start; `${VAR}` references stay in it and
 * are resolved here from the function's environment, then validated.
 */
declare const __SECORCH_CONFIG__: unknown;

export function bundledConfig(env: Record<string, string | undefined> = process.env): Config {
  if (typeof __SECORCH_CONFIG__ === 'undefined') {
    throw new Error('This bundle was built without a configuration: run `npm run build` (SECORCH_CONFIG selects the file)');
  }
  return compileConfig(__SECORCH_CONFIG__, env);
}

export function stdoutLogger(level: Config['logLevel'], fields: Record<string, unknown> = {}): Logger {
  return jsonLogger({ level, clock: systemClock, write: (line) => process.stdout.write(`${line}\n`), fields });
}

export { once } from './once';
