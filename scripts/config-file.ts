import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { type Config, compileConfig, compileSecretsSection, configProblems, interpolate } from '../shared/config';
import { errors } from '../shared/errors';
import { findSecretRefs, replaceSecretRefs, secretValue, type SecretRef } from '../shared/secrets';
import { withoutSecretValues } from '../providers/common/config-errors';
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
  // Keys are compared as read, not as written: 1 and "1" (true and "true", ~ and "") are one
  // name once the document is plain data, and the last would silently replace the first.
  const lines = new LineCounter();
  const doc = parseDocument(readText(path), { prettyErrors: true, uniqueKeys: sameKey, merge: true, lineCounter: lines });
  if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
  visit(doc, {
    Scalar(_, node) {
      // YAML 1.2 (this parser) reads 0755 as 755, YAML 1.1 readers (and people used to file modes) as octal 493.
      if (typeof node.value === 'number' && node.type === 'PLAIN' && typeof node.source === 'string' && LEADING_ZERO.test(node.source)) {
        const at = node.range ? `line ${lines.linePos(node.range[0]).line}: ` : '';
        throw new Error(`${path}: ${at}${node.source} is an integer with a leading zero, which YAML readers disagree on (octal ${Number.parseInt(node.source, 8)} or decimal ${node.value}); write ${node.value}, 0o${node.source.replace(/^[-+]?0+/, '')} or "${node.source}"`);
      }
    },
  });
  return doc.toJS() ?? {};
}

/** The file's text; a folder or an unreadable file is an error naming the path (Node's own names none). */
function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`Configuration file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); set SECORCH_CONFIG to a YAML file`);
  }
}

const LEADING_ZERO = /^[-+]?0\d+$/;
const keyText = (k: unknown) => String(isScalar(k) ? (k.value ?? '') : k);
const sameKey = (a: unknown, b: unknown) => keyText(a) === keyText(b);

/**
 * Validates as the local functions will at cold start, with the given environment. Locally
 * secrets are environment variables only, so `secret://NAME` references are resolved from
 * `env` here (with `secrets.prefix`); then the local runtime's own checks run (localProblems:
 * the store, bus, secrets provider and sealer it offers), the same its composition root makes.
 */
export function validateConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): { raw: unknown; config: Config } {
  const raw = readRawConfig(path);
  let section: ReturnType<typeof compileSecretsSection> | undefined;
  const values: string[] = [];
  const secretRef = (ref: SecretRef, at: string) => {
    section ??= compileSecretsSection(interpolate(raw, env));
    const problem = secretsProblem(LOCAL_RUNTIME, section, LOCAL_SECRET_MANAGERS);
    if (problem) throw errors.config(problem, 'secrets.provider');
    const value = secretValue(ref, at, envSecretValue(env, `${section.prefix ?? ''}${ref.name}`));
    values.push(value);
    return value;
  };
  let config: Config;
  try {
    config = compileConfig(raw, env, { secretRef });
  } catch (e) {
    throw withoutSecretValues(e, values);
  }
  assertLocalConfig(config, resolve(env.SECORCH_DATA_DIR || '.data'));
  return { raw, config };
}

/**
 * A stand-in for a value unknown at build time: letters and digits only, a multiple of four
 * long and over 24 characters, so that checks of tokens, keys and base64 secrets (a
 * standard-webhooks `whsec_` secret read as base64) pass.
 */
function placeholder(what: string): string {
  const text = `buildTimePlaceholderFor${what.replace(/[^A-Za-z0-9]/g, '')}`;
  return text.padEnd(Math.ceil(text.length / 4) * 4, 'x');
}

/** Whether a raw value, or any value under it, is only known at deploy time: a `${VAR}` or a `secret://` reference. */
const holdsUnknown = (value: unknown): boolean =>
  findSecretRefs(value).length > 0 || /(?<!\$)\$\{/.test(JSON.stringify(value) ?? '');

/** The raw value at a problem's path (`destinations.jira.baseUrl`, `sources.a.verify.publicKeys[0]`), if there is one. */
function rawAt(raw: unknown, path: string): unknown {
  let node = raw;
  for (const [, key, index] of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[index ?? key!];
  }
  return node;
}

/**
 * A problem that a value known only at deploy time may cause: a shape check (a URL, a PEM key) of
 * a placeholder. An unknown key is never one.
 */
function unknownAtBuild(raw: unknown, problem: string): boolean {
  const cut = problem.indexOf(': ');
  if (cut < 0 || problem.slice(cut + 2) === 'unknown key') return false;
  return holdsUnknown(rawAt(raw, problem.slice(0, cut)));
}

/**
 * For builds: the deploy environment's variables and the secret manager are not reachable at
 * build time, so every `${VAR}` and every `secret://` reference becomes a placeholder (no manager
 * is called), and the configuration is checked with them: keys, types, references between
 * sections. A problem of a value that holds such a placeholder (a URL or a PEM key from a
 * variable) is left to the check at start-up, with the real value: it is no error here.
 */
export function validateForBuild(path: string): unknown {
  const raw = readRawConfig(path);
  const anyEnv = new Proxy({}, { get: (_t, name) => (typeof name === 'string' ? placeholder(`Env${name}`) : undefined) });
  const data = replaceSecretRefs(interpolate(raw, anyEnv as Record<string, string>), (ref) => placeholder(`Secret${ref.name}${ref.field ?? ''}`));
  const problems = configProblems(data).filter((p) => !unknownAtBuild(raw, p));
  if (problems.length > 0) throw errors.config(`Invalid configuration: ${problems.join('; ')}`, problems[0]!.split(':')[0]);
  return raw;
}
