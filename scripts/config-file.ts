import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { type Config, compileConfig } from '../shared/config';

/** The configuration file in use: SECORCH_CONFIG, else secorch.yaml in the working directory. */
export const configPath = (env: NodeJS.ProcessEnv = process.env): string => resolve(env.SECORCH_CONFIG || 'secorch.yaml');

/** Reads and parses the YAML (no interpolation yet); errors name the file and line. */
export function readRawConfig(path: string): unknown {
  if (!existsSync(path)) throw new Error(`Configuration file not found: ${path} (set SECORCH_CONFIG)`);
  const doc = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS() ?? {};
}

/** Validates as the functions will at cold start, with the given environment. */
export function validateConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): { raw: unknown; config: Config } {
  const raw = readRawConfig(path);
  return { raw, config: compileConfig(raw, env) };
}

/**
 * For builds: the deploy environment's variables are not present at build time, so every
 * `${VAR}` is taken as set, to a placeholder shaped like a token (letters, digits, dashes,
 * underscores, over 24 characters) so that format checks of keys and secrets pass; the schema
 * and references are still checked.
 */
export function validateForBuild(path: string): unknown {
  const raw = readRawConfig(path);
  const anyEnv = new Proxy({}, { get: (_t, name) => (typeof name === 'string' ? `build-time-placeholder-for-${name}` : undefined) });
  compileConfig(raw, anyEnv as Record<string, string>);
  return raw;
}
