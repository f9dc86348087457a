import { isSecretName, REDACTED, redactText } from './text';
import { redactUrl } from './url';

export { isSecretName, REDACTED, redactText } from './text';

/**
 * Redaction for structured logs: values under secret-looking names (./text.ts) and
 * credential-shaped text anywhere are replaced, and what is written is bounded, before a line
 * is written.
 *
 * Bounded, because a line is one log event: CloudWatch Logs and Cloud Logging cut events at
 * 256 KB and Application Insights a trace message at 32 KB, and a cut line is no longer JSON
 * (the metric filters and `parse_json` queries read it as such). So strings are cut at
 * MAX_STRING characters, arrays and objects at MAX_MEMBERS members, nesting at MAX_DEPTH levels,
 * and a line's fields share a budget of about MAX_LINE characters; an object met again inside
 * itself is `[circular]` (without that, an object that refers to itself from k members makes
 * k^MAX_DEPTH copies). Bytes are written as their length: a Buffer is a key as often as a body.
 *
 * Reading a field runs code (getters, proxies, toString); anything it throws leaves that one
 * value `[unreadable]`.
 */
const MAX_DEPTH = 8;
const MAX_STRING = 8192;
const MAX_MEMBERS = 100;
const MAX_LINE = 24 * 1024;
/**
 * Characters redacted past a cut and then dropped: a credential that crosses the cut is
 * recognised whole (GitHub's tokens are recognised from 30 characters on) and none of it kept.
 */
const LOOKAHEAD = 4096;

interface Walk {
  /** Characters left for this line (approximate: names and strings). */
  left: number;
  /** The objects being written, outermost first: one met again is a loop. */
  path: Set<object>;
}

/** A value with every credential replaced, bounded; safe to JSON.stringify. */
export function redact(value: unknown): unknown {
  return walk(value, { left: MAX_LINE, path: new Set() }, 0);
}

function walk(value: unknown, w: Walk, depth: number): unknown {
  if (typeof value === 'string') return text(value, w);
  w.left -= 4; // what a number, a separator or a bracket costs, near enough
  // JSON has no bigint: written as its digits rather than failing the line.
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[depth]';
  if (w.left <= 0) return '[truncated]';
  if (w.path.has(value)) return '[circular]';
  w.path.add(value);
  try {
    return container(value, w, depth);
  } catch {
    return UNREADABLE;
  } finally {
    w.path.delete(value);
  }
}

function text(s: string, w: Walk): string {
  const max = Math.max(0, Math.min(MAX_STRING, w.left));
  w.left -= Math.min(s.length, max) + 4;
  if (s.length <= max) return redactText(s);
  const out = redactText(s.slice(0, max + LOOKAHEAD));
  // When the slice was not all of it, its last LOOKAHEAD characters may hold the start of a
  // credential that the cut made unrecognisable: they are never kept.
  const keep = s.length <= max + LOOKAHEAD ? max : Math.min(max, out.length - LOOKAHEAD);
  return `${out.slice(0, Math.max(0, keep))}...[truncated: ${s.length} characters]`;
}

function container(value: object, w: Walk, depth: number): unknown {
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return items(value, w, depth);
  if (value instanceof Error) return errorFields(value, w, depth);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof URL) {
    const url = redactUrl(value);
    w.left -= url.length;
    return url;
  }
  if (value instanceof Set) return items([...value], w, depth);
  if (value instanceof Map || (typeof Headers !== 'undefined' && value instanceof Headers)) {
    const out: Record<string, unknown> = {};
    let total = 0;
    for (const [k, v] of (value as Map<unknown, unknown>).entries()) {
      if (total++ < MAX_MEMBERS) put(out, typeof k === 'string' ? k : guarded(() => String(k)), v, w, depth);
    }
    return more(out, total);
  }
  return members(value as Record<string, unknown>, Object.keys(value), w, depth);
}

/**
 * Own enumerable members, read one by one: a getter that throws costs only its own value, and
 * members past the cap are never read.
 */
function members(value: Record<string, unknown>, keys: readonly string[], w: Walk, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.min(keys.length, MAX_MEMBERS);
  for (let i = 0; i < n; i += 1) {
    const key = keys[i]!;
    let v: unknown;
    try {
      v = value[key];
    } catch {
      v = UNREADABLE;
    }
    put(out, key, v, w, depth);
  }
  return more(out, keys.length);
}

function put(out: Record<string, unknown>, name: string, v: unknown, w: Walk, depth: number): void {
  if (w.left <= 0) return;
  w.left -= name.length + 4;
  assign(out, name, isSecretName(name) ? REDACTED : walk(v, w, depth + 1));
}

function assign(out: Record<string, unknown>, name: string, value: unknown): void {
  // A member named __proto__ (JSON.parse makes those) stays a member, not a prototype.
  if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  else out[name] = value;
}

function more(out: Record<string, unknown>, total: number): Record<string, unknown> {
  const written = Object.keys(out).length;
  if (total > written) out['[more]'] = `${total - written} more members`;
  return out;
}

/**
 * The members of several objects as one (a later one's member replaces an earlier one's, as
 * Object.assign would), redacted and bounded together: a log line's fields.
 */
export function redactFields(...sources: (Record<string, unknown> | undefined)[]): Record<string, unknown> {
  let merged: Record<string, unknown>;
  try {
    merged = Object.assign({}, ...sources);
  } catch {
    // A getter threw: merged member by member, that one written as unreadable.
    merged = {};
    for (const source of sources) {
      if (!source) continue;
      for (const key of guarded(() => Object.keys(source), [])) {
        assign(merged, key, guarded(() => source[key]));
      }
    }
  }
  return members(merged, Object.keys(merged), { left: MAX_LINE, path: new Set() }, 0);
}

function items(list: readonly unknown[], w: Walk, depth: number): unknown[] {
  const n = Math.min(list.length, MAX_MEMBERS);
  const out: unknown[] = [];
  for (let i = 0; i < n && w.left > 0; i += 1) out.push(guarded(() => walk(list[i], w, depth + 1)));
  if (out.length < list.length) out.push(`[${list.length - out.length} more items]`);
  return out;
}

/** Name, code, message and cause: what tells one failure from another, each redacted. */
function errorFields(e: Error, w: Walk, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out.name = walk(guarded(() => e.name), w, depth + 1);
  const code = guarded(() => (e as { code?: unknown }).code);
  if (typeof code === 'string' || typeof code === 'number') out.code = walk(code, w, depth + 1);
  out.message = walk(guarded(() => e.message), w, depth + 1);
  const cause = guarded(() => e.cause);
  if (cause !== undefined) out.cause = walk(cause, w, depth + 1);
  return out;
}

const UNREADABLE = '[unreadable]';

function guarded<T, F = typeof UNREADABLE>(read: () => T, fallback: F = UNREADABLE as F): T | F {
  try {
    return read();
  } catch {
    return fallback;
  }
}
