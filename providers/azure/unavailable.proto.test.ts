import { azureNetworkReason } from './unavailable';

/** A RestError code is the client's or the service's text: one named like an Object member is no socket error. */
test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('code %s is not a network failure', (code) => {
  expect(azureNetworkReason(Object.assign(new Error('x'), { name: 'RestError', code }))).toBeUndefined();
});
