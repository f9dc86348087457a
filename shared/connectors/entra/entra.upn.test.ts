import { testDeps } from '../../../test/deps';
import { reply, type VendorRequest, type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { entraDestinationSchema } from './config';
import { entraDestination } from './destination';
import { type FakeTenant, fakeTenant, graphError } from './entra.testkit';
import { userPath } from './user-path';

/**
 * Users named by userPrincipalName, as Graph addresses them (https://learn.microsoft.com/graph/api/user-get):
 * `/users/{id | userPrincipalName}`, except that a UPN beginning with `$` "fails with a 400 Bad
 * Request" in that form (OData reserves `$` for system query options) and must be given as a key,
 * `/users('$x@y.com')`, where a quote inside the OData string literal is doubled (OData ABNF
 * SQUOTE-in-string). Guest UPNs carry `#EXT#`, which must reach Graph percent-encoded.
 */
const TENANT = 'contoso.onmicrosoft.com';
let vendor: VendorServer;
let h: Harness;
let tenant: FakeTenant;

const DOLLAR = "$adele.o'neil@contoso.com";
const GUEST = 'alex_fabrikam.com#EXT#@contoso.onmicrosoft.com';

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  tenant = fakeTenant(3);
  tenant.install(vendor, TENANT);
  const [a, b] = [...tenant.users.values()];
  a!.userPrincipalName = DOLLAR;
  b!.userPrincipalName = GUEST;
  // Graph as documented: a path segment starting with `$` is refused; the key form finds the user.
  const byUpn = (upn: string) => [...tenant.users.values()].find((u) => u.userPrincipalName?.toLowerCase() === upn.toLowerCase());
  const keyOf = (req: VendorRequest) => {
    const m = /^\/v1\.0\/users\('(.*)'\)(\/revokeSignInSessions)?$/.exec(req.path);
    const literal = m ? decodeURIComponent(m[1]!) : '';
    // An unescaped quote inside the literal ends it early: the request is malformed.
    return /^(?:[^']|'')*$/.test(literal) ? literal.replace(/''/g, "'") : undefined;
  };
  const patchByKey = (req: VendorRequest) => {
    const key = keyOf(req);
    if (key === undefined) return graphError(400, 'BadRequest', 'Invalid request URL: unterminated string literal.');
    const u = tenant.users.get(key) ?? byUpn(key);
    if (!u) return graphError(404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`);
    Object.assign(u, req.json());
    return reply.noContent();
  };
  const revokeByKey = (req: VendorRequest) => {
    const key = keyOf(req);
    if (key === undefined) return graphError(400, 'BadRequest', 'Invalid request URL: unterminated string literal.');
    return tenant.users.get(key) ?? byUpn(key) ? reply.json({ value: true }) : graphError(404, 'Request_ResourceNotFound', 'Resource does not exist');
  };
  vendor.on("PATCH /v1.0/users(':key')", patchByKey);
  vendor.on("POST /v1.0/users(':key')/revokeSignInSessions", revokeByKey);
  vendor.on('PATCH /v1.0/users/:id', (req) => {
    if (req.params.id!.startsWith('$')) return graphError(400, 'BadRequest', `Invalid request: '${req.params.id}' is not a valid system query option.`);
    const u = tenant.users.get(req.params.id!) ?? byUpn(req.params.id!);
    if (!u) return graphError(404, 'Request_ResourceNotFound', 'Resource does not exist');
    Object.assign(u, req.json());
    return reply.noContent();
  });
});

const config = (on: Record<string, unknown>) => entraDestinationSchema.parse({
  type: 'entra', tenantId: TENANT, clientId: 'app-1', clientSecret: 's', graphUrl: vendor.url, loginUrl: vendor.url, user: '{{ data.user.upn }}', on,
});
const event = (upn: string): CloudEvent => ({ specversion: '1.0', id: 'e1', source: '//test', type: 'secorch.identity.compromised', origin: 'webhook:sentinel', data: { user: { upn } } });
const deps = () => Object.assign(testDeps().deps, { http: h.http, logger: h.logger });
const users = () => [...tenant.users.values()];

test('a UPN beginning with $ is addressed as a key, its quote doubled: disabled and its sessions revoked', async () => {
  await entraDestination('entra-prod', config({ 'secorch.identity.compromised': ['disable', 'revoke_sessions'] }), { sleep: h.sleep })(event(DOLLAR), deps());
  expect(users()[0]!.accountEnabled).toBe(false);
  const sent = vendor.requests.filter((r) => r.path.startsWith('/v1.0/')).map((r) => `${r.method} ${r.url.pathname}`);
  expect(sent).toEqual([
    "PATCH /v1.0/users('%24adele.o''neil%40contoso.com')",
    "POST /v1.0/users('%24adele.o''neil%40contoso.com')/revokeSignInSessions",
  ]);
});

test('a guest UPN with #EXT# and a plain UPN keep the path form, percent-encoded', async () => {
  const deliver = entraDestination('entra-prod', config({ 'secorch.identity.compromised': 'disable' }), { sleep: h.sleep });
  await deliver(event(GUEST), deps());
  await deliver(event(users()[2]!.userPrincipalName!), deps());
  expect(users().map((u) => u.accountEnabled)).toEqual([true, false, false]);
  expect(vendor.requestsTo('PATCH /v1.0/users/:id').map((r) => r.url.pathname)).toEqual([
    '/v1.0/users/alex_fabrikam.com%23EXT%23%40contoso.onmicrosoft.com', '/v1.0/users/user2%40contoso.com',
  ]);
});

test('an id with a lone UTF-16 surrogate, in either form, is refused for good rather than failing to encode', () => {
  for (const id of ['a\ud800b@contoso.com', '$a\udc00@contoso.com']) {
    expect(() => userPath(id)).toThrow(expect.objectContaining({ code: 'template_refused', status: 422, retryable: false }));
  }
  expect(userPath('$\u{1F600}@contoso.com')).toBe("/users('%24%F0%9F%98%80%40contoso.com')");
});
