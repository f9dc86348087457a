import { reply, type VendorHandler, type VendorServer } from '../../../test/support/vendor-server';
import type { OktaUser } from './user';

/**
 * A small Okta org for tests, served by test/support/vendor-server.ts with the Management API's
 * shapes (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/):
 * GET /api/v1/users pages with `Link: <...?after=<last id>&limit=N>; rel="next"` and leaves out
 * DEPROVISIONED users (a `search` on profile.login includes them); GET /api/v1/users/{id} finds
 * every user; factors, lifecycle and sessions endpoints act on the same state. Errors use Okta's
 * error object.
 */
export interface FakeOrg {
  users: OktaUser[];
  /** Active factors per user id (default 1). */
  factors: Map<string, number>;
  /** Admin role types per user id (GET /api/v1/iam/assignees/users and /api/v1/users/{id}/roles). */
  roles: Map<string, string[]>;
  /** The GET /api/v1/users handler, to wrap with failures. */
  list: VendorHandler;
  install(vendor: VendorServer): void;
}

const oktaError = (status: number, errorCode: string, errorSummary: string) => reply.json({ errorCode, errorSummary, errorLink: errorCode, errorId: 'oaeTestError1', errorCauses: [] }, status);
export const notFound = () => oktaError(404, 'E0000007', 'Not found: Resource not found: user (User)');

const at = (i: number) => new Date(Date.UTC(2029, 0, 1) + i * 1000).toISOString();

export function fakeUser(i: number, status = 'ACTIVE'): OktaUser & Record<string, unknown> {
  const id = `00u${String(i).padStart(17, '0')}`;
  const user = {
    id, status, created: at(i), activated: at(i), statusChanged: at(i), lastLogin: null, lastUpdated: at(i), passwordChanged: at(i),
    type: { id: 'otyfnjfba4ye7pgjB0g4' },
    profile: { firstName: 'User', lastName: String(i), email: `user${i}@example.com`, login: `user${i}@example.com`, mobilePhone: null, secondEmail: null },
    _links: { self: { href: `https://example.okta.com/api/v1/users/${id}` } },
  };
  return user;
}

const factor = (userId: string, n: number) => ({
  id: `mbl${userId.slice(3)}${n}`, factorType: 'token:software:totp', provider: 'GOOGLE', vendorName: 'GOOGLE', status: 'ACTIVE',
  created: at(0), lastUpdated: at(0), profile: { credentialId: `${userId}@example.com` }, _links: {},
});

export function fakeOrg(count: number): FakeOrg {
  const users: OktaUser[] = Array.from({ length: count }, (_, i) => fakeUser(i));
  const factors = new Map<string, number>();
  const roles = new Map<string, string[]>();
  // `{userId}` paths (sessions, factors, roles) take an id only; `{id}` paths (the user, its
  // lifecycle) also a login or an unambiguous login shortname and `me`, the API token's own user:
  // the first one here (pathId and pathUserId in Okta's spec). Logins that differ only in case or
  // diacritical marks are one login (the `login` property in Okta's spec).
  const userById = (id: string) => users.find((u) => u.id === id);
  const loginKey = (s: string) => s.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase();
  const byId = (id: string) => {
    if (id === 'me') return users[0];
    const key = loginKey(id);
    const found = userById(id) ?? users.find((u) => loginKey(u.profile?.login ?? '') === key);
    const short = users.filter((u) => loginKey(u.profile?.login ?? '').split('@')[0] === key);
    return found ?? (short.length === 1 ? short[0] : undefined);
  };
  // Okta decodes `%2F` before routing: a login holding `/` in an `{id}` path reaches another route,
  // answered 405 (okta/okta-sdk-nodejs#430; "can only be fetched by id", getUser in Okta's spec).
  const misrouted = (req: { params: Record<string, string> }) => (req.params.id!.includes('/') ? oktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method') : undefined);
  // `search=profile.login eq "<value>"`: string values compared case-insensitively but with their
  // diacritical marks, every status included (listUsers in Okta's spec).
  const searched = (expr: string) => {
    const m = /^profile\.login eq "((?:[^"\\]|\\.)*)"$/.exec(expr);
    if (!m) return undefined;
    const value = m[1]!.replace(/\\(.)/g, '$1').toLowerCase();
    return users.filter((u) => u.profile?.login?.toLowerCase() === value);
  };
  const list: VendorHandler = (req) => {
    const limit = Math.min(Number(req.query.get('limit') ?? 200), 200);
    const search = req.query.get('search');
    if (search !== null) {
      const found = searched(search);
      return found ? reply.json(found.slice(0, limit)) : oktaError(400, 'E0000031', 'Invalid search criteria.');
    }
    const listed = users.filter((u) => u.status !== 'DEPROVISIONED');
    const after = req.query.get('after');
    const start = after === null ? 0 : listed.findIndex((u) => u.id > after);
    const page = start < 0 ? [] : listed.slice(start, start + limit);
    const links = [`<${req.url.href}>; rel="self"`];
    if (start >= 0 && start + limit < listed.length) links.push(`<${req.url.origin}/api/v1/users?after=${page.at(-1)!.id}&limit=${limit}>; rel="next"`);
    return reply.json(page, 200, { link: links });
  };
  const lifecycle = (from: string, to: string, summary: string): VendorHandler => (req) => {
    const wrong = misrouted(req);
    if (wrong) return wrong;
    const u = byId(req.params.id!);
    if (!u) return notFound();
    if (u.status !== from) return oktaError(400, 'E0000001', summary);
    u.status = to;
    return reply.json({});
  };
  return {
    users,
    factors,
    roles,
    list,
    install(vendor) {
      vendor.on('GET /api/v1/users', list);
      vendor.on('GET /api/v1/users/:id', (req) => { const u = byId(req.params.id!); return misrouted(req) ?? (u ? reply.json(u) : notFound()); });
      vendor.on('GET /api/v1/users/:id/factors', (req) => reply.json(Array.from({ length: factors.get(req.params.id!) ?? 1 }, (_, n) => factor(req.params.id!, n))));
      vendor.on('GET /api/v1/iam/assignees/users', () => reply.json({ value: [...roles.keys()].map((id) => ({ id, orn: `orn:okta:directory:00o1:users:${id}` })), _links: {} }));
      vendor.on('GET /api/v1/users/:id/roles', (req) => reply.json((roles.get(req.params.id!) ?? []).map((type) => ({
        id: `ra1${type}`, type, label: type, status: 'ACTIVE', assignmentType: 'USER', created: at(0), lastUpdated: at(0), _links: {},
      }))));
      vendor.on('POST /api/v1/users/:id/lifecycle/suspend', lifecycle('ACTIVE', 'SUSPENDED', 'Api validation failed: Cannot suspend a user that is not active'));
      vendor.on('POST /api/v1/users/:id/lifecycle/unsuspend', lifecycle('SUSPENDED', 'ACTIVE', 'Api validation failed: Cannot unsuspend a user that is not suspended'));
      vendor.on('DELETE /api/v1/users/:id/sessions', (req) => (userById(req.params.id!) ? reply.noContent() : notFound()));
    },
  };
}
