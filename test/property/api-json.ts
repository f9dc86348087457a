import fc from 'fast-check';

/**
 * JSON values for request bodies (property test ./api.property.test.ts): values built with `Raw`
 * nodes and rendered by `render`, `junk` (any value where the API expects something else), and
 * `utf8` for the body bytes.
 */

export const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

// JSON bodies are built as values with `raw` nodes, so deep nesting (deeper than JSON.stringify
// can go) and `__proto__` members can be put anywhere.
export class Raw {
  constructor(readonly text: string) {}
}
export const own = (entries: [string, unknown][]): Record<string, unknown> => {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
};
export function render(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(render).join(',')}]`;
  if (typeof v === 'object' && v !== null) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${render(x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
const deep = fc.oneof(
  fc.constantFrom(40, 2_000, 10_000).map((d) => new Raw(`${'{"a":'.repeat(d)}1${'}'.repeat(d)}`)),
  fc.constantFrom(40, 5_000, 30_000).map((d) => new Raw(`${'['.repeat(d)}${']'.repeat(d)}`)),
);
export const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'secret', 'secrets', 'id', 'tenant', 'createdAt', 'filters', '', 'URL', 'k'.repeat(300));
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, true, 0, -1, 1e308, 'x'.repeat(5000), '\u0000', '\ud800', [], {}),
  deep,
  hostileKey.map((k) => own([[k, { polluted: true }]])),
);
