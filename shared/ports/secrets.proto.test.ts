import { mapSecrets } from './secrets';

/** A fixed map of secrets answers its own names only, not Object.prototype's members. */
test.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('%s is not a secret of the map', async (name) => {
  const secrets = mapSecrets({ a: 'x' });
  expect(await secrets.get(name)).toBeUndefined();
  expect(await secrets.get('a')).toBe('x');
});
