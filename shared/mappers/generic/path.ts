/**
 * Field paths of the generic mapper: dot and bracket segments into a JSON body, e.g.
 * `alert.rule.id`, `findings[0].title`, `labels["app.kubernetes.io/name"]`, `$.detail-type`.
 * Parsed once when the configuration is validated; reading never throws and reads own
 * properties only, so a path cannot reach Object.prototype.
 */
import { obj } from '../read';

export type PathSegment = string | number;

/** A name segment: anything but dots, brackets, quotes and whitespace (so `detail-type` works). */
const NAME = /^[^.[\]"'\s]+/;
const INDEX = /^\[(\d+)\]/;
const QUOTED = /^\[(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\]/;

/** The segments of a path, or the reason it is not one. */
export function parsePath(path: string): PathSegment[] | { error: string } {
  let rest = path.startsWith('$.') ? path.slice(2) : path.startsWith('$[') ? path.slice(1) : path;
  const segments: PathSegment[] = [];
  let expectName = true;
  while (rest.length > 0) {
    const at = path.length - rest.length;
    let m: RegExpExecArray | null;
    if (expectName && (m = NAME.exec(rest))) segments.push(m[0]);
    else if ((m = INDEX.exec(rest))) segments.push(Number(m[1]));
    else if ((m = QUOTED.exec(rest))) segments.push((m[1] ?? m[2]!).replace(/\\(.)/g, '$1'));
    else return { error: `unexpected ${JSON.stringify(rest[0])} at position ${at}` };
    rest = rest.slice(m[0].length);
    expectName = false;
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      if (!NAME.test(rest)) return { error: `a name must follow the "." at position ${path.length - rest.length - 1}` };
      expectName = true;
    }
  }
  return segments.length > 0 ? segments : { error: 'empty path' };
}

/** The problem with a path, for configuration validation; undefined when it is valid. */
export function pathProblem(path: string): string | undefined {
  const parsed = parsePath(path);
  return Array.isArray(parsed) ? undefined : `invalid path ${JSON.stringify(path)}: ${parsed.error}`;
}

/** The value at a parsed path, or undefined when any step is missing or of the wrong kind. */
export function readPath(root: unknown, segments: readonly PathSegment[]): unknown {
  let node: unknown = root;
  for (const seg of segments) {
    if (typeof seg === 'number') {
      node = Array.isArray(node) ? node[seg] : undefined;
    } else {
      const o = obj(node);
      node = o !== undefined && Object.hasOwn(o, seg) ? o[seg] : undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** A path known to be valid (checked by the config schema). */
export function compilePath(path: string): PathSegment[] {
  const parsed = parsePath(path);
  if (!Array.isArray(parsed)) throw new Error(`invalid path ${JSON.stringify(path)}: ${parsed.error}`);
  return parsed;
}
