import { interpolate } from './interpolate';

/**
 * `${NAME}` reads process.env, which inherits Object.prototype: `${toString}` or `${constructor}`
 * (unset) became the function's text, and `${__proto__}` "[object Object]", so a webhook secret
 * written with such a name silently became text anyone can guess. Only string values count.
 */
describe('a variable named like an Object member', () => {
  test.each(['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__', '__defineGetter__'])('${%s}, unset, is an error naming it', (name) => {
    expect(() => interpolate({ secret: `\${${name}}` }, process.env, '')).toThrow(`Environment variable ${name} is not set (used at secret)`);
  });

  test('${toString:-fallback}, unset, takes the fallback', () => {
    expect(interpolate('${toString:-fallback}', process.env)).toBe('fallback');
  });

  test('a variable of that name that is set is read', () => {
    expect(interpolate('${constructor}', { constructor: 'set' })).toBe('set');
  });
});
