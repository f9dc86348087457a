import { render } from './template';

/**
 * A body template nested under a configured object may name a member `__proto__` (YAML and JSON
 * keep it as a key): it is rendered as data like any other member, not assigned as the result's
 * prototype (which dropped it from the request, or made the rendered value the prototype).
 */
const event = { data: { x: 'v', o: { a: 1 } } };

test('a __proto__ member of a template renders as an own member', () => {
  const t = JSON.parse('{"body":{"__proto__":"{{ data.x }}","constructor":"c","toString":"{{ data.o }}"}}') as Parameters<typeof render>[0];
  const out = render(t, event) as { body: Record<string, unknown> };
  expect(Object.getPrototypeOf(out.body)).toBe(Object.prototype);
  expect(Object.entries(out.body)).toEqual([['__proto__', 'v'], ['constructor', 'c'], ['toString', { a: 1 }]]);
  expect(JSON.stringify(out)).toBe('{"body":{"__proto__":"v","constructor":"c","toString":{"a":1}}}');
});

test('an object rendered under __proto__ stays data, not the prototype', () => {
  const t = JSON.parse('{"__proto__":"{{ data.o }}"}') as Parameters<typeof render>[0];
  const out = render(t, event) as Record<string, unknown>;
  expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  expect((out as { a?: unknown }).a).toBeUndefined();
  expect(JSON.stringify(out)).toBe('{"__proto__":{"a":1}}');
});
