import { errors } from '../errors';

/**
 * `${NAME}` is replaced by the environment variable NAME, `${NAME:-default}` falls back to the
 * default when NAME is unset or empty (as in POSIX shells), and `$${` is a literal `${`. A missing
 * variable is an error naming the variable and the config path that uses it.
 */
const PATTERN = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolate(value: unknown, env: Record<string, string | undefined>, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(PATTERN, (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
      if (escaped) return whole.slice(1);
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      throw errors.config(`Environment variable ${name} is not set (used at ${path || '(root)'})`, path);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    // fromEntries defines own properties: a `__proto__` key (YAML keeps it as one) stays a key that
    // strict validation refuses, rather than becoming a prototype whose members pass as settings.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k)]));
  }
  return value;
}
