import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { type Config, compileConfig, compileSecretsSection, interpolate } from '../shared/config';
import { errors } from '../shared/errors';
import { secretValue, type SecretRef } from '../shared/secrets';
import { envSecretValue } from '../providers/common/env-secrets';
import { secretsProblem } from '../providers/common/secrets';
import { assertLocalConfig, LOCAL_RUNTIME, LOCAL_SECRET_MANAGERS } from '../providers/local/local-config';

/** The configuration file in use: SECORCH_CONFIG, else secorch.yaml in the working directory. */
export const configPath = (env: NodeJS.ProcessEnv = process.env): string => resolve(env.SECORCH_CONFIG || 'secorch.yaml');

/** Reads and parses the YAML (no interpolation yet); errors name the file and line. */
export function readRawConfig(path: string): unknown {
  if (!existsSync(path)) throw new Error(`Configuration file not found: ${path} (set SECORCH_CONFIG)`);
  // Merge keys (`<<: *anchor`) as YAML 1.1 had them: a way to share settings between sources or
  // destinations that users of Compose and Kubernetes files expect; keys given twice stay an error.
  const doc = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS() ?? {};
}

/**
 * Validates as the local functions will at cold start, with the given environment. Locally
 * secrets are environment variables only, so `secret://NAME` references are resolved from
 * `env` here (with `secrets.prefix`); then the local runtime's own checks run (localProblems:
 * the store, bus, secrets provider and sealer it offers), the same its composition root makes.
 */
export function validateConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): { raw: unknown; config: Config } {
  const raw = readRawConfig(path);
  let section: ReturnType<typeof compileSecretsSection> | undefined;
  const secretRef = (ref: SecretRef, at: string) => {
    section ??= compileSecretsSection(interpolate(raw, env));
    const problem = secretsProblem(LOCAL_RUNTIME, section, LOCAL_SECRET_MANAGERS);
    if (problem) throw errors.config(problem, 'secrets.provider');
    return secretValue(ref, at, envSecretValue(env, `${section.prefix ?? ''}${ref.name}`));
  };
  const config = compileConfig(raw, env, { secretRef });
  assertLocalConfig(config);
  return { raw, config };
}

/**
 * A stand-in for a value unknown at build time: letters and digits only, a multiple of four
 * long and over 24 characters, so that checks of tokens, keys and base64 secrets pass. Values
 * with a stricter shape (a URL, a PEM key) cannot be checked before they are known.
 */
function placeholder(what: string): string {
  const text = `buildTimePlaceholderFor${what.replace(/[^A-Za-z0-9]/g, '')}`;
  return text.padEnd(Math.ceil(text.length / 4) * 4, 'x');
}

/**
 * For builds: the deploy environment's variables and the secret manager are not reachable at
 * build time, so every `${VAR}` is taken as set, to a placeholder shaped like a token (letters,
 * digits, dashes, underscores, over 24 characters), and every `secret://` reference resolves to
 * a placeholder too (no manager is called); the schema and references are still checked.
 */
export function validateForBuild(path: string): unknown {
  const raw = readRawConfig(path);
  const anyEnv = new Proxy({}, { get: (_t, name) => (typeof name === 'string' ? `build-time-placeholder-for-${name}` : undefined) });
  compileConfig(raw, anyEnv as Record<string, string>, { secretRef: (ref) => placeholder(`Secret${ref.name}${ref.field ?? ''}`) });
  return raw;
}
