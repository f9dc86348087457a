import { postgresUnavailable } from './errors';

/**
 * A SQLSTATE is the server's text (or a proxy's): one named like an Object member is no outage,
 * and the error stays as it is rather than a store_unavailable quoting Object.prototype's function.
 */
test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('code %s is not store_unavailable', (code) => {
  const e = Object.assign(new Error('x'), { code });
  expect(postgresUnavailable(e, 'get')).toBe(e);
});
