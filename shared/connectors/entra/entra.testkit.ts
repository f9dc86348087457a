import { reply, type VendorHandler, type VendorServer } from '../../../test/support/vendor-server';
import type { GraphUser } from './user';

/**
 * A Microsoft Graph tenant for tests, in the documented shapes: the v2.0 token endpoint
 * (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#get-a-token),
 * PATCH /v1.0/users/{id} answered 204 (https://learn.microsoft.com/graph/api/user-update),
 * revokeSignInSessions answered `{"value": true}` (https://learn.microsoft.com/graph/api/user-revokesigninsessions),
 * and users delta (https://learn.microsoft.com/graph/api/user-delta): a first round of every user,
 * later rounds of the changes since the round's `$deltatoken`, deletions as `@removed`, page size
 * from `Prefer: odata.maxpagesize`. Errors use Graph's `{"error": {"code", "message"}}`. The MFA
 * registration report (https://learn.microsoft.com/graph/api/authenticationmethodsroot-list-userregistrationdetails)
 * and the directory role definitions and assignments
 * (https://learn.microsoft.com/graph/api/rbacapplication-list-roledefinitions,
 * https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments) are served two items
 * a page with `@odata.nextLink` `$skiptoken`s.
 */
export interface FakeTenant {
  users: Map<string, GraphUser>;
  /** Changes in order: partial users or removals; a delta token is a position in it. */
  changes: GraphUser[];
  /** The registration report's rows by user id; disabled users are left out, as Graph does. */
  registration: Map<string, { isMfaRegistered: boolean; methodsRegistered: string[] }>;
  roleDefinitions: { id: string; displayName: string }[];
  roleAssignments: { id: string; principalId: string; roleDefinitionId: string }[];
  tokens: number;
  delta: VendorHandler;
  install(vendor: VendorServer, tenantId: string): void;
}

export const graphError = (status: number, code: string, message: string) =>
  reply.json({ error: { code, message, innerError: { date: '2030-01-01T00:00:00', 'request-id': 'r-1', 'client-request-id': 'r-1' } } }, status);

/** A Graph collection served `size` items a page; the page's position is the `$skiptoken`. */
const collection = (items: () => object[], context: string, size = 2): VendorHandler => (req) => {
  const start = Number(req.query.get('$skiptoken') ?? 0);
  const page = { '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${context}`, value: items().slice(start, start + size) };
  if (start + size >= items().length) return reply.json(page);
  const next = new URL(req.url);
  next.searchParams.set('$skiptoken', String(start + size));
  return reply.json({ ...page, '@odata.nextLink': next.href });
};

export function fakeTenant(count: number): FakeTenant {
  const users = new Map<string, GraphUser>();
  for (let i = 0; i < count; i++) {
    const id = `6e5d1c3a-0000-4000-8000-${String(i).padStart(12, '0')}`;
    users.set(id, { id, displayName: `User ${i}`, mail: `user${i}@contoso.com`, userPrincipalName: `user${i}@contoso.com`, accountEnabled: true });
  }
  const changes: GraphUser[] = [];
  const ids = [...users.keys()];
  const registration = new Map(ids.map((id) => [id, { isMfaRegistered: true, methodsRegistered: ['microsoftAuthenticatorPush', 'softwareOneTimePasscode'] }]));
  const roleDefinitions = [
    { id: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator' },
    { id: '194ae4cb-b126-40b2-bd5b-6091b380977d', displayName: 'Security Administrator' },
    { id: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b', displayName: 'Directory Readers' },
  ];
  const roleAssignments = [{ id: 'lAPpYvVpN0KRkAEhdxReEMmO4KwRqtpKkUWt3wOYIz4-1', principalId: ids[0]!, roleDefinitionId: roleDefinitions[0]!.id }];
  const reportRow = ([id, r]: [string, { isMfaRegistered: boolean; methodsRegistered: string[] }]) => ({
    id, userPrincipalName: users.get(id)!.userPrincipalName, userDisplayName: users.get(id)!.displayName, isAdmin: roleAssignments.some((a) => a.principalId === id),
    isMfaCapable: r.isMfaRegistered, userType: 'member', lastUpdatedDateTime: '2030-01-01T00:00:00Z', ...r,
  });
  const t: FakeTenant = {
    users, changes, registration, roleDefinitions, roleAssignments, tokens: 0,
    delta: (req) => {
      const size = Number(/odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ''))?.[1] ?? 100);
      const skip = req.query.get('$skiptoken');
      const [base, offset] = skip ? skip.split('.') : [req.query.get('$deltatoken') ?? 'all', '0'];
      if (base !== 'all' && !(Number(base) <= changes.length)) return graphError(400, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');
      const items = base === 'all' ? [...users.values()] : changes.slice(Number(base));
      const start = Number(offset);
      const link = (k: string, v: string) => `${req.url.origin}/v1.0/users/delta?${k}=${v}`;
      const page = { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users(id,displayName,mail,userPrincipalName,accountEnabled)', value: items.slice(start, start + size) };
      return reply.json(start + size < items.length ? { ...page, '@odata.nextLink': link('$skiptoken', `${base}.${start + size}`) } : { ...page, '@odata.deltaLink': link('$deltatoken', String(changes.length)) });
    },
    install(vendor, tenantId) {
      vendor.on(`POST /${tenantId}/oauth2/v2.0/token`, () => reply.json({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `graph-access-${++t.tokens}` }));
      vendor.on('GET /v1.0/users/delta', (req) => t.delta(req));
      vendor.on('GET /v1.0/reports/authenticationMethods/userRegistrationDetails', collection(
        () => [...registration].filter(([id]) => users.get(id)?.accountEnabled !== false).map(reportRow), 'reports/authenticationMethods/userRegistrationDetails'));
      vendor.on('GET /v1.0/roleManagement/directory/roleDefinitions', collection(() => roleDefinitions.map((d) => ({ ...d, isBuiltIn: true, isEnabled: true })), 'roleManagement/directory/roleDefinitions(id,displayName)'));
      vendor.on('GET /v1.0/roleManagement/directory/roleAssignments', collection(() => roleAssignments.map((a) => ({ ...a, directoryScopeId: '/' })), 'roleManagement/directory/roleAssignments(principalId,roleDefinitionId)'));
      vendor.on('GET /v1.0/users', () => reply.json({ value: [{ id: [...users.keys()][0] }] }));
      vendor.on('PATCH /v1.0/users/:id', (req) => {
        const u = users.get(req.params.id!) ?? [...users.values()].find((x) => x.userPrincipalName === req.params.id);
        if (!u) return graphError(404, 'Request_ResourceNotFound', `Resource '${req.params.id}' does not exist or one of its queried reference-property objects are not present.`);
        Object.assign(u, req.json());
        return reply.noContent();
      });
      vendor.on('POST /v1.0/users/:id/revokeSignInSessions', (req) =>
        users.has(req.params.id!) ? reply.json({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean', value: true }) : graphError(404, 'Request_ResourceNotFound', 'Resource does not exist'));
    },
  };
  return t;
}
