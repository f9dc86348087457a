import { fixedClock } from '../../shared/ports';
import { envSecrets } from './env-secrets';
import { configuredSecrets } from './secrets';

/**
 * process.env inherits Object.prototype: `secret://toString` found a function (which then failed
 * as "value.slice is not a function"), `secret://__proto__` an object. Only a string is a value.
 */
const NAMES = ['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__', '__lookupGetter__'];

test.each(NAMES)('secret %s, unset in process.env, is not found', async (name) => {
  expect(await envSecrets(process.env).get(name)).toBeUndefined();
  const s = configuredSecrets('local', { provider: 'env', ttlSeconds: 300 }, {}, { env: process.env, clock: fixedClock(0) });
  expect(await s.get(name)).toBeUndefined();
});

test('a variable of such a name that is set is read', async () => {
  expect(await envSecrets({ constructor: 'v' }).get('constructor')).toBe('v');
});
