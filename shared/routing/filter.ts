import { attributeString, type CloudEvent } from '../events/cloudevent';

/**
 * CloudEvents Subscriptions filter dialects (subscriptions spec 3.2.4): exact, prefix, suffix,
 * all, any, not. `sql` (CESQL) arrives with the subscriptions API.
 *
 * One deliberate extension: an empty prefix value (`prefix: { type: "" }`) is accepted and
 * matches every event that has the attribute. The spec asks for non-empty values; the product's
 * documented catch-all route relies on this form.
 */
export type Filter =
  | { exact: Record<string, string> }
  | { prefix: Record<string, string> }
  | { suffix: Record<string, string> }
  | { all: Filter[] }
  | { any: Filter[] }
  | { not: Filter };

const DIALECTS = ['exact', 'prefix', 'suffix', 'all', 'any', 'not'] as const;

/** Validates an untrusted filter; returns `path: reason` problems (empty when valid). */
export function filterProblems(f: unknown, path = 'filter'): string[] {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return [`${path}: must be an object with one dialect`];
  const keys = Object.keys(f);
  if (keys.length !== 1) return [`${path}: must have exactly one dialect (${DIALECTS.join(', ')}), found ${keys.length}`];
  const dialect = keys[0]!;
  const arg = (f as Record<string, unknown>)[dialect];
  const at = `${path}.${dialect}`;
  switch (dialect) {
    case 'exact':
    case 'prefix':
    case 'suffix': {
      if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return [`${at}: must map attribute names to strings`];
      const entries = Object.entries(arg);
      if (entries.length === 0) return [`${at}: must name at least one attribute`];
      const out: string[] = [];
      for (const [name, value] of entries) {
        if (typeof value !== 'string') out.push(`${at}.${name}: must be a string`);
        else if (value === '' && dialect !== 'prefix') out.push(`${at}.${name}: must not be empty`);
      }
      return out;
    }
    case 'all':
    case 'any':
      if (!Array.isArray(arg) || arg.length === 0) return [`${at}: must be a non-empty array of filters`];
      return arg.flatMap((sub, i) => filterProblems(sub, `${at}[${i}]`));
    case 'not':
      return filterProblems(arg, at);
    default:
      return [`${path}: unsupported dialect "${dialect}" (supported: ${DIALECTS.join(', ')})`];
  }
}

function eachAttribute(e: CloudEvent, map: Record<string, string>, test: (value: string, want: string) => boolean): boolean {
  for (const [name, want] of Object.entries(map)) {
    const value = attributeString(e, name);
    if (value === undefined || !test(value, want)) return false;
  }
  return true;
}

/** Evaluates a validated filter against an event. */
export function matches(f: Filter, e: CloudEvent): boolean {
  if ('exact' in f) return eachAttribute(e, f.exact, (v, w) => v === w);
  if ('prefix' in f) return eachAttribute(e, f.prefix, (v, w) => v.startsWith(w));
  if ('suffix' in f) return eachAttribute(e, f.suffix, (v, w) => v.endsWith(w));
  if ('all' in f) return f.all.every((sub) => matches(sub, e));
  if ('any' in f) return f.any.some((sub) => matches(sub, e));
  return !matches(f.not, e);
}
