import { errors } from '../errors';

/**
 * The configuration's nesting, checked before anything walks it recursively (interpolation,
 * secret references, the schema): a document nested thousands of levels deep would otherwise
 * overflow the stack instead of failing with a message. The deepest real part is a route filter
 * (32 levels of all/any/not, two JSON levels each); 200 leaves room for everything else.
 */
export const MAX_CONFIG_DEPTH = 200;

/**
 * Throws invalid_config naming the first path deeper than `max`, or a `__proto__` key. Iterative:
 * never recurses.
 */
export function assertConfigDepth(raw: unknown, max = MAX_CONFIG_DEPTH): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: raw, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= max) {
      throw errors.config(`Invalid configuration: ${path || '(root)'}: nested deeper than ${max} levels`, path);
    }
    // zod drops a record member named `__proto__` without a word (a YAML or JSON parser keeps it
    // as an own key): `api.keys.__proto__` or `sources.__proto__` would pass validation and then
    // not exist. Unknown keys are refused, so this one is too, naming its path.
    if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) {
      throw errors.config(`Invalid configuration: ${path ? `${path}.` : ''}__proto__: a key of this name is not allowed`, `${path ? `${path}.` : ''}__proto__`);
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v] as const) : Object.entries(value).map(([k, v]) => [`${path ? '.' : ''}${k}`, v] as const);
    for (const [step, child] of entries) stack.push({ value: child, path: `${path}${step}`, depth: depth + 1 });
  }
}
