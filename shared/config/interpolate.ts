import { errors } from '../errors';

/**
 * `${NAME}` is replaced by the environment variable NAME, `${NAME:-default}` falls back to the
 * default when NAME is unset or empty (as in POSIX shells), and `$${` is a literal `${`. A missing
 * variable is an error naming the variable and the config path that uses it. Values are inserted
 * as they are: a value holding `${...}` is never interpolated again.
 *
 * Any other `${` is an error too: a typo such as `${GITHUB-SECRET}`, `${NAME` or the shell's
 * `${NAME-default}` would otherwise stay in the value as typed, and a webhook secret would become
 * text anyone reading the configuration knows. `${{` is left alone: it is a `$` written before a
 * connector template's `{{ placeholder }}`, never a variable. Keys are not interpolated: see below.
 */
const TOKEN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{(?!\{)/g;

export function interpolate(value: unknown, env: Record<string, string | undefined>, path = ''): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path);
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}[${i}]`));
  if (value && typeof value === 'object') return interpolateMapping(value as Record<string, unknown>, env, path);
  return value;
}

function interpolateString(value: string, env: Record<string, string | undefined>, path: string): string {
  const at = path || '(root)';
  return value.replace(TOKEN, (whole, name: string | undefined, fallback: string | undefined, offset: number) => {
    if (whole === '$${') return '${';
    // The text itself is not quoted: it may be part of a literal secret.
    if (name === undefined || fallback?.includes('${')) {
      throw errors.config(
        `Invalid configuration: ${at}: "\${" at character ${offset + 1} does not start \${NAME} or \${NAME:-default} `
        + '(NAME: letters, digits and _, not starting with a digit; a default holds no "${" or "}"); write $${ for a literal "${"',
        path,
      );
    }
    // Only a string is a value: process.env inherits Object.prototype, so `${toString}` or
    // `${__proto__}` would otherwise insert a function's or an object's text.
    const raw: unknown = env[name];
    const v = typeof raw === 'string' ? raw : undefined;
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    throw errors.config(`Environment variable ${name} is ${v === undefined ? 'not set' : 'empty'} (used at ${at})`, path);
  });
}

/**
 * Keys are names (a source id, a destination name, a field label) and are taken as written. A key
 * holding `${` is an error: it would otherwise stay as typed, and a destination named
 * `jira-${STAGE}` would not be the `jira-prod` its routes name. `${{` is left alone, as in values.
 */
const KEY_VARIABLE = /\$\{(?!\{)/;

function interpolateMapping(value: Record<string, unknown>, env: Record<string, string | undefined>, path: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => {
    const at = path ? `${path}.${k}` : k;
    if (KEY_VARIABLE.test(k)) {
      throw errors.config(`Invalid configuration: ${at}: keys are names, taken as written: "\${" is not interpolated in a key; write the name itself`, at);
    }
    // fromEntries defines own properties: a `__proto__` key (YAML keeps it as one) stays a key that
    // strict validation refuses, rather than becoming a prototype whose members pass as settings.
    return [k, interpolate(v, env, at)];
  }));
}
