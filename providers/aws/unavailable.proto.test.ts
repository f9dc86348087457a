import { awsNetworkReason } from './unavailable';

/** An error code is the SDK's or the service's text: one named like an Object member is no socket error. */
test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('code %s is not a network failure', (code) => {
  expect(awsNetworkReason(Object.assign(new Error('x'), { code }))).toBeUndefined();
});
