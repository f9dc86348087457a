import { errors } from '../errors';

/**
 * The configuration's nesting, checked before anything walks it recursively (interpolation,
 * secret references, the schema): a document nested thousands of levels deep would otherwise
 * overflow the stack instead of failing with a message. The deepest real part is a route filter
 * (32 levels of all/any/not, two JSON levels each); 200 leaves room for everything else.
 */
export const MAX_CONFIG_DEPTH = 200;

/** Throws invalid_config naming the first path deeper than `max`. Iterative: never recurses. */
export function assertConfigDepth(raw: unknown, max = MAX_CONFIG_DEPTH): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: raw, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= max) {
      throw errors.config(`Invalid configuration: ${path || '(root)'}: nested deeper than ${max} levels`, path);
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v] as const) : Object.entries(value).map(([k, v]) => [`${path ? '.' : ''}${k}`, v] as const);
    for (const [step, child] of entries) stack.push({ value: child, path: `${path}${step}`, depth: depth + 1 });
  }
}
