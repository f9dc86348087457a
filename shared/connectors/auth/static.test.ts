import { reply, type VendorServer } from '../../../test/support/vendor-server';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { apiTokenAuth, basicAuth, bearerAuth, noAuth } from './static';
import type { ConnectorAuth } from './types';

let vendor: VendorServer;
let h: Harness;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  vendor.on('GET /me', (req) => reply.json({ authorization: req.headers.authorization ?? null, key: req.headers['x-api-key'] ?? null }));
});

const seen = async (auth: ConnectorAuth) => (await h.transport({ baseUrl: vendor.url, auth }).request({ path: '/me' })).body;

test.each([
  ['basic (Jira email + API token)', basicAuth({ username: 'sec@example.com', password: 'pa:ss-word' }), { authorization: `Basic ${Buffer.from('sec@example.com:pa:ss-word').toString('base64')}`, key: null }],
  ['API token with a scheme (Okta SSWS)', apiTokenAuth({ token: '00abcdef', scheme: 'SSWS' }), { authorization: 'SSWS 00abcdef', key: null }],
  ['API token in its own header', apiTokenAuth({ token: 'k-123456', header: 'X-API-Key' }), { authorization: null, key: 'k-123456' }],
  ['bearer', bearerAuth({ token: 'xoxb-1-2-3' }), { authorization: 'Bearer xoxb-1-2-3', key: null }],
  ['none', noAuth(), { authorization: null, key: null }],
])('%s', async (_name, auth, expected) => {
  expect(await seen(auth)).toEqual(expected);
});

test('a 401 with a static credential is final: no second attempt', async () => {
  vendor.on('GET /me', reply.unauthorized());
  await expect(h.transport({ baseUrl: vendor.url, auth: bearerAuth({ token: 'xoxb-1-2-3' }) }).request({ path: '/me' })).rejects.toMatchObject({ code: 'connector_auth_failed' });
  expect(vendor.requests).toHaveLength(1);
});

test('basic auth refuses a username with a colon (RFC 7617 section 2)', () => {
  expect(() => basicAuth({ username: 'a:b', password: 'x' })).toThrow(TypeError);
});

test('secrets() lists what must be scrubbed, including the encoded basic credential', () => {
  const encoded = Buffer.from('u:p4ssword').toString('base64');
  expect(basicAuth({ username: 'u', password: 'p4ssword' }).secrets()).toEqual(['p4ssword', encoded]);
});
