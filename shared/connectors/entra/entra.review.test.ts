import { testDeps } from '../../../test/deps';
import { type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { entraDestinationSchema } from './config';
import { entraDestination } from './destination';
import { type FakeTenant, fakeTenant } from './entra.testkit';

/** Review cases of the entra destination against a local Graph tenant (entra.testkit.ts). */
const TENANT = 'contoso.onmicrosoft.com';
let vendor: VendorServer;
let h: Harness;
let tenant: FakeTenant;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  tenant = fakeTenant(2);
  tenant.install(vendor, TENANT);
});

const config = (on: Record<string, unknown>) => entraDestinationSchema.parse({
  type: 'entra', tenantId: TENANT, clientId: 'app-1', clientSecret: 's', graphUrl: vendor.url, loginUrl: vendor.url, on,
});
const ids = () => [...tenant.users.keys()];
const event = (id: string, type = 'secorch.identity.compromised'): CloudEvent =>
  ({ specversion: '1.0', id: 'e1', source: '//test', type, origin: 'webhook:sentinel', data: { user: { uid: id } } });
const deps = () => Object.assign(testDeps().deps, { http: h.http, logger: h.logger });
/** What a proxy's sign-in page, or a graphUrl that is not Graph, answers: 200 with HTML. */
const proxyPage = { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in to continue</body></html>' };

test('an event type named like an Object member (constructor, toString, __proto__) maps to no action', async () => {
  const deliver = entraDestination('entra-prod', config({ 'secorch.identity.compromised': 'disable' }), { sleep: h.sleep });
  // A catch-all route delivers every type; `on` alone decides. These types are in no `on`.
  for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) await deliver(event(ids()[0]!, type), deps());
  expect(vendor.requests).toEqual([]);
});

test('a 2xx that is not Graph\'s answer (a proxy page) is connector_bad_response, never taken for a disabled account or revoked sessions', async () => {
  const deliver = entraDestination('entra-prod', config({ a: 'disable', b: 'enable', c: 'revoke_sessions' }), { sleep: h.sleep });
  vendor.queue('PATCH /v1.0/users/:id', proxyPage, proxyPage);
  vendor.queue('POST /v1.0/users/:id/revokeSignInSessions', proxyPage);
  for (const type of ['a', 'b', 'c']) {
    await expect(deliver(event(ids()[0]!, type), deps())).rejects.toMatchObject({ code: 'connector_bad_response', retryable: false });
  }
  expect(h.logs.filter((l) => l.msg === 'identity action')).toEqual([]);
  // Graph's own answers still pass: 204 to PATCH, {"value": true} to revokeSignInSessions.
  for (const type of ['a', 'c', 'b']) await deliver(event(ids()[1]!, type), deps());
  expect(h.logs.filter((l) => l.msg === 'identity action').map((l) => l.fields.outcome)).toEqual(['done', 'done', 'done']);
});

test('an action the schema does not know, in a configuration built without it, sends nothing (not revokeSignInSessions)', async () => {
  const on = { 'secorch.identity.compromised': 'delete' } as unknown as Record<string, 'disable'>;
  const deliver = entraDestination('entra-prod', { ...config({}), on }, { sleep: h.sleep });
  await expect(deliver(event(ids()[0]!), deps())).rejects.toMatchObject({ code: 'internal_error', retryable: false });
  expect(vendor.requests.filter((r) => r.path.startsWith('/v1.0/'))).toEqual([]);
});
