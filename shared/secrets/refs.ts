import { AppError, errors } from '../errors';
import type { Secrets } from '../ports/secrets';

/**
 * `secret://name` and `secret://name#field` references in the configuration. Only a whole
 * string is a reference: `https://x/?t=secret://y` is an ordinary value. `#field` picks a
 * top-level member of a JSON object secret (the usual shape in AWS Secrets Manager:
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html).
 * The `secrets` section may hold none: it says how references are resolved.
 */
export interface SecretRef {
  name: string;
  field?: string;
}

const SCHEME = 'secret://';
const REF = /^secret:\/\/([^\s#]+)(?:#(\S+))?$/;

/** The reference in a config string, undefined for any other string; a malformed one is an error. */
export function parseSecretRef(value: string, path: string): SecretRef | undefined {
  if (!value.startsWith(SCHEME)) return undefined;
  const m = REF.exec(value);
  if (!m) {
    throw errors.config(`${path || '(root)'}: a secret reference is secret://<name> or secret://<name>#<field>, with no whitespace`, path);
  }
  return m[2] === undefined ? { name: m[1]! } : { name: m[1]!, field: m[2] };
}

const show = (ref: SecretRef) => `secret://${ref.name}${ref.field === undefined ? '' : `#${ref.field}`}`;

/**
 * Rebuilds `data` with every reference replaced by `replace(ref, path)`; other values are kept
 * as they are. Paths are rendered like `sources.github.verify.secrets[1]`.
 */
export function replaceSecretRefs(data: unknown, replace: (ref: SecretRef, path: string) => string, path = ''): unknown {
  if (typeof data === 'string') {
    const ref = parseSecretRef(data, path);
    if (!ref) return data;
    if (path === 'secrets' || path.startsWith('secrets.') || path.startsWith('secrets[')) {
      throw errors.config(`${path}: the secrets section cannot use secret references (it says how they are resolved)`, path);
    }
    return replace(ref, path);
  }
  if (Array.isArray(data)) return data.map((v, i) => replaceSecretRefs(v, replace, `${path}[${i}]`));
  if (data && typeof data === 'object') {
    // fromEntries defines own properties: a `__proto__` key stays a key, never a prototype.
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, replaceSecretRefs(v, replace, path ? `${path}.${k}` : k)]));
  }
  return data;
}

/** Every reference in `data` with its path, in document order. */
export function findSecretRefs(data: unknown): { ref: SecretRef; path: string }[] {
  const found: { ref: SecretRef; path: string }[] = [];
  replaceSecretRefs(data, (ref, path) => {
    found.push({ ref, path });
    return '';
  });
  return found;
}

/**
 * The configuration value of a reference, from the secret's value. Errors name the secret, the
 * field and the path, never the value (nor a JSON parser message, which may quote it).
 *
 * A whole value loses its final line breaks: a value stored from a file (`--secret-string
 * file://s.txt`, `gcloud secrets create --data-file=s.txt`, `echo v | ...`) carries the file's
 * newline, and a webhook secret with it would refuse every signature without a word. No value
 * in the configuration ends with a line break on purpose (a PEM reads the same without it). A
 * `#field` member is used as stored: JSON spells out its line breaks.
 */
export function secretValue(ref: SecretRef, path: string, value: string | undefined): string {
  if (value === undefined) throw errors.config(`Secret "${ref.name}" was not found (used at ${path})`, path);
  if (ref.field === undefined) return withoutFinalLineBreaks(value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw errors.config(`Secret "${ref.name}" is not a JSON object, so it has no field "${ref.field}" (used at ${path})`, path);
  }
  const member = (parsed as Record<string, unknown>)[ref.field];
  if (typeof member === 'string') return member;
  if (typeof member === 'number' || typeof member === 'boolean') return String(member);
  const why = member === undefined ? 'has no field' : 'has no text or number in field';
  throw errors.config(`Secret "${ref.name}" ${why} "${ref.field}" (used at ${path})`, path);
}

/**
 * Every configuration value a reference to this secret value can become (secretValue): the
 * whole value, and each text or number member of a JSON object. For keeping them out of errors.
 */
export function referableValues(value: string): string[] {
  const out = [value, withoutFinalLineBreaks(value)];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return out;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return out;
  for (const member of Object.values(parsed)) {
    if (typeof member === 'string' || typeof member === 'number' || typeof member === 'boolean') out.push(String(member));
  }
  return out;
}

/** A loop, not /[\r\n]+$/: that regex is quadratic in a long run of line breaks not at the end. */
function withoutFinalLineBreaks(value: string): string {
  let end = value.length;
  while (end > 0 && (value[end - 1] === '\n' || value[end - 1] === '\r')) end -= 1;
  return value.slice(0, end);
}

/** A reference where no manager is at hand (synchronous compilation): refused, naming it. */
export function refuseSecretRef(ref: SecretRef, path: string): never {
  throw errors.config(`${path}: ${show(ref)} is a secret reference; it is resolved at cold start (compileConfigAsync)`, path);
}

/**
 * Replaces every reference with its value from `secrets`, each distinct name fetched once and
 * all of them at the same time. A retryable failure keeps its code (a throttled manager at cold
 * start is worth another cold start); any other is a config error. Both gain the path.
 */
export async function resolveSecretRefs(data: unknown, secrets: Secrets): Promise<unknown> {
  const refs = findSecretRefs(data);
  if (refs.length === 0) return data;
  const values = new Map<string, string | undefined>();
  await Promise.all([...new Map(refs.map((r) => [r.ref.name, r.path])).entries()].map(async ([name, path]) => {
    try {
      values.set(name, await secrets.get(name));
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      // A name the provider refuses or a value it cannot read: the configuration must change.
      if (!e.retryable) throw errors.config(`${e.message} (used at ${path})`, path);
      throw new AppError(e.code, `${e.message} (used at ${path})`, {
        status: e.status, retryable: e.retryable, expose: e.expose, extra: { ...e.extra, path }, cause: e,
      });
    }
  }));
  return replaceSecretRefs(data, (ref, path) => secretValue(ref, path, values.get(ref.name)));
}
