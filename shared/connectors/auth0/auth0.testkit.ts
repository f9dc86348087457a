import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { reply, type VendorHandler, type VendorRequest, type VendorServer } from '../../../test/support/vendor-server';
import { type FakeExports, fakeExports, installExports } from './export.testkit';
import type { Auth0User } from './user';

/**
 * Auth0 for tests. The Management API v2 stubs of go-auth0 (WireMock mappings generated from
 * Auth0's API definition) say which method, path and query parameters exist; the go-auth0 recordings
 * give real response shapes (../shared/fixtures/vendors/auth0, SOURCES.md there).
 */
const DIR = `${__dirname}/../../../../shared/fixtures/vendors/auth0`;

interface Mapping { request: { method: string; urlPathTemplate?: string; queryParameters?: Record<string, unknown>; headers?: Record<string, { matches?: string }> }; response: { status: number; body?: string } }
const mappings = (JSON.parse(readFileSync(`${DIR}/go-auth0_wiremock-mappings.json`, 'utf8')) as { mappings: Mapping[] }).mappings;

/** The stubs' body for a method and path template, e.g. ('GET', '/users'). */
export const stubBody = (method: string, template: string): unknown => JSON.parse(mappings.find((m) => m.request.method === method && m.request.urlPathTemplate === template)!.response.body!);

/** The recorded GET /api/v2/users answer of go-auth0's TestUserManager_List. */
export function recordedList(): { url: string; body: unknown } {
  const doc = parseYaml(readFileSync(`${DIR}/go-auth0_TestUserManager_List.yaml`, 'utf8')) as { interactions: { request: { url: string; method: string }; response: { body: string } }[] };
  const list = doc.interactions.find((i) => i.request.method === 'GET' && i.request.url.includes('/api/v2/users?'))!;
  return { url: list.request.url, body: JSON.parse(list.response.body) };
}

/** Problems of a request against the stubs: an unknown method and path, an undeclared query parameter, no bearer token. */
export function stubProblems(r: VendorRequest): string[] {
  const path = r.path.replace(/^\/api\/v2/, '');
  const found = mappings.filter((m) => m.request.method === r.method && m.request.urlPathTemplate !== undefined
    && new RegExp(`^${m.request.urlPathTemplate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
  if (found.length === 0) return [`${r.method} ${r.path}: no Management API stub`];
  const known = new Set(found.flatMap((m) => Object.keys(m.request.queryParameters ?? {})));
  const problems = [...new Set(r.query.keys())].filter((k) => !known.has(k)).map((k) => `${r.method} ${r.path}: undeclared query parameter ${k}`);
  if (!/^Bearer .+/.test(String(r.headers.authorization ?? ''))) problems.push(`${r.method} ${r.path}: no bearer token`);
  return problems;
}

/** An RBAC role and the ids of its users. */
export interface FakeRole { id: string; name: string; description: string; members: string[] }

/**
 * A tenant: its users, roles and user export jobs (export.testkit.ts). `install` routes the
 * Management API to `vendor` and the export files to `storage` (another host; `vendor` if none).
 */
export interface FakeAuth0 { users: Auth0User[]; roles: FakeRole[]; tokens: number; exports: FakeExports; list: VendorHandler; install(vendor: VendorServer, storage?: VendorServer): void }

export function fakeAuth0(count: number): FakeAuth0 {
  const users: Auth0User[] = Array.from({ length: count }, (_, i) => ({ user_id: `auth0|63d17c4a8869daf88e${String(i).padStart(6, '0')}`, email: `user${i}@example.com`, name: `user${i}@example.com`, blocked: false, multifactor: ['guardian'] }));
  const find = (id: string) => users.find((u) => u.user_id === id);
  const notFound = () => reply.json({ statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' }, 404);
  const roles: FakeRole[] = [
    { id: 'rol_4sYhBMrr2XmHbVgl', name: 'Tenant Admin', description: 'Manages the tenant', members: [users[0]!.user_id] },
    { id: 'rol_8aZ2kTqZpQ1xLw3N', name: 'Support', description: 'Reads tickets', members: users.slice(1, 4).map((u) => u.user_id) },
    { id: 'rol_Q0mXk3lT9vB2cE7d', name: 'Billing Admin', description: 'Manages invoices', members: [] },
  ];
  const t: FakeAuth0 = {
    users, roles, tokens: 0, exports: fakeExports(),
    list: (req) => {
      const page = Number(req.query.get('page') ?? 0);
      const perPage = Number(req.query.get('per_page') ?? 50);
      const slice = users.slice(page * perPage, (page + 1) * perPage);
      return reply.json({ start: page * perPage, limit: perPage, length: slice.length, users: slice, total: users.length });
    },
    install(vendor, storage = vendor) {
      installExports(t.exports, users, vendor, storage);
      vendor.on('POST /oauth/token', () => reply.json({ access_token: `mgmt-token-${++t.tokens}`, scope: 'read:users update:users', expires_in: 86400, token_type: 'Bearer' }));
      vendor.on('GET /api/v2/users', (req) => t.list(req));
      // GET /api/v2/roles, page/per_page with include_totals: https://auth0.com/docs/api/management/v2/roles/get-roles
      vendor.on('GET /api/v2/roles', (req) => {
        const page = Number(req.query.get('page') ?? 0);
        const perPage = Number(req.query.get('per_page') ?? 50);
        const slice = roles.slice(page * perPage, (page + 1) * perPage).map(({ id, name, description }) => ({ id, name, description }));
        return reply.json({ start: page * perPage, limit: perPage, length: slice.length, roles: slice, total: roles.length });
      });
      // GET /api/v2/roles/{id}/users, checkpoint take/from: https://auth0.com/docs/api/management/v2/roles/get-role-user
      vendor.on('GET /api/v2/roles/:id/users', (req) => {
        const role = roles.find((r) => r.id === req.params.id);
        if (!role) return reply.json({ statusCode: 404, error: 'Not Found', message: 'The role does not exist.', errorCode: 'inexistent_role' }, 404);
        const from = Number(req.query.get('from') ?? 0);
        const take = Number(req.query.get('take') ?? 50);
        const slice = role.members.slice(from, from + take).map((id) => ({ user_id: id, email: find(id)?.email, name: find(id)?.name, picture: 'https://s.gravatar.com/avatar/x.png' }));
        return reply.json(from + take < role.members.length ? { users: slice, next: String(from + take) } : { users: slice });
      });
      vendor.on('GET /api/v2/users/:id', (req) => { const u = find(req.params.id!); return u ? reply.json(u) : notFound(); });
      vendor.on('PATCH /api/v2/users/:id', (req) => {
        const u = find(req.params.id!);
        if (!u) return notFound();
        Object.assign(u, req.json());
        return reply.json(u);
      });
    },
  };
  return t;
}
