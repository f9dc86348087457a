import { parse } from 'yaml';
import { compileConfig } from './compile';
import { interpolate } from './interpolate';

describe('interpolate', () => {
  test('a `__proto__` key (YAML makes it an own key) stays a key: it never becomes the prototype', () => {
    const raw = parse('egress:\n  __proto__:\n    allowPrivate: ["10.0.0.0/8"]\n') as Record<string, unknown>;
    const out = interpolate(raw, {}) as { egress: Record<string, unknown> };
    expect(Object.keys(out.egress)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out.egress)).toBe(Object.prototype);
    expect(out.egress.allowPrivate).toBeUndefined();
    // So strict validation sees it as the unknown key it is, instead of an inherited setting.
    expect(() => compileConfig(raw, {})).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('egress.__proto__: unknown key') }));
  });
});
