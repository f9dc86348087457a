import { stubProblems } from './auth0.testkit';
import { idsOf, listed, read, type Rig, sorted, startRig } from './sync.testkit';

/**
 * Identity sync of Auth0 tenants past the listing's 1000 users, through the user export job
 * (https://auth0.com/docs/manage-users/user-migration/bulk-user-exports). There is no Auth0
 * emulator: a stand-in (export.testkit.ts) serves the jobs endpoints and a real gzipped NDJSON
 * file from a second server, the storage host; Management API requests are checked against
 * go-auth0's stubs.
 */
const POST_JOB = 'POST /api/v2/jobs/users-exports';
const GET_JOB = 'GET /api/v2/jobs/:id';
const DOWNLOAD = 'GET /user-exports/:id/:file';
const JOB1 = 'job_0000000000000001';
let rig: Rig;

beforeEach(async () => {
  rig = await startRig(2_500);
});
afterEach(() => rig.close());

const rolesOf = (id: string) => rig.tenant.roles.filter((r) => r.members.includes(id)).map((r) => r.name).sort();

test('stand-in, 2,500 users: one export job; each user once, in pages of 100, mapped as the listing maps them, admin roles applied', async () => {
  const pages = await read(rig.source({ adminRoles: true }).pages(undefined, undefined));
  expect(rig.vendor.requestsTo('GET /api/v2/users').map((r) => r.query.get('page'))).toEqual(['0']);
  expect(rig.vendor.requestsTo(POST_JOB).map((r) => r.json())).toEqual([{ format: 'json', fields: ['user_id', 'email', 'name', 'blocked', 'multifactor'].map((name) => ({ name })) }]);
  // The job's id is saved before its file is ready, in an empty first page.
  expect(pages[0]).toEqual({ users: [], next: `export:${JOB1}:0` });
  expect(pages.slice(1).map((p) => p.users.length)).toEqual(Array(25).fill(100));
  expect(pages.map((p) => p.next)).toEqual([...Array.from({ length: 25 }, (_, i) => `export:${JOB1}:${i * 100}`), undefined]);
  expect(new Set(idsOf(pages)).size).toBe(2_500);
  const expected = listed(rig.tenant.users).map((o) => ({ ...o, fields: { ...o.fields, adminRoles: rolesOf(o.id) } }));
  expect(sorted(pages.flatMap((p) => p.users))).toEqual(sorted(expected));
  expect(rig.vendor.requests.slice(1).flatMap(stubProblems)).toEqual([]);
});

test('stand-in: the download link is fetched without the Management API token', async () => {
  await read(rig.source().pages(undefined, undefined));
  expect(rig.vendor.requestsTo(GET_JOB).every((r) => /^Bearer mgmt-token-/.test(String(r.headers.authorization)))).toBe(true);
  expect(rig.storage.requestsTo(DOWNLOAD)).toHaveLength(1);
  expect(rig.storage.requests.map((r) => r.headers.authorization)).toEqual([undefined]);
  expect(rig.tenant.exports.leaks).toEqual([]);
});

test('stand-in: a job pending, then processing, is polled through the injected sleep (1, 2, 4, 8 s) until completed', async () => {
  rig.tenant.exports.plan = ['pending', 'processing', 'processing'];
  const started = rig.h.clock.now();
  const pages = await read(rig.source().pages(undefined, undefined));
  expect(rig.vendor.requestsTo(GET_JOB)).toHaveLength(4);
  expect(rig.h.waits).toEqual([1_000, 2_000, 4_000, 8_000]);
  expect(rig.h.clock.now() - started).toBe(15_000);
  expect(idsOf(pages)).toHaveLength(2_500);
});

test('stand-in: a run cut short after 4 pages resumes at its position (same job, file read again) and yields the rest once', async () => {
  const first = await read(rig.source().pages(undefined, undefined), 4);
  expect(first.at(-1)!.next).toBe(`export:${JOB1}:300`);
  const rest = await read(rig.source().pages(first.at(-1)!.next, undefined));
  expect(rest[0]!.users[0]!.id).toBe(rig.tenant.users[300]!.user_id);
  const all = [...idsOf(first), ...idsOf(rest)];
  expect([all.length, new Set(all).size]).toEqual([2_500, 2_500]);
  expect([rig.vendor.requestsTo(POST_JOB).length, rig.vendor.requestsTo(GET_JOB).length, rig.storage.requestsTo(DOWNLOAD).length]).toEqual([1, 3, 2]);
});

test('stand-in: a job Auth0 no longer knows (404), or whose link is refused (403), is replaced by a new job read from its first user', async () => {
  const first = await read(rig.source().pages(undefined, undefined), 3);
  rig.tenant.exports.jobs.delete(JOB1);
  const gone = await read(rig.source().pages(first.at(-1)!.next, undefined));
  expect(gone[0]).toEqual({ users: [], next: 'export:job_0000000000000002:0' });
  expect(new Set(idsOf(gone)).size).toBe(2_500);

  rig.tenant.exports.jobs.get('job_0000000000000002')!.refused = true;
  const refused = await read(rig.source().pages(gone[10]!.next, undefined));
  expect(refused[0]!.next).toBe('export:job_0000000000000003:0');
  expect(idsOf(refused)).toHaveLength(2_500);
  expect(rig.vendor.requestsTo(POST_JOB)).toHaveLength(3);
});

test('identity sync: up to 1000 users the listing (no job); at 2,500 the export job reports the 1,500 new users and no change for the others', async () => {
  const added = rig.tenant.users.splice(1_000);
  const { bus, run } = rig.job({ adminRoles: true });
  expect(await run()).toMatchObject({ complete: true, round: 1, events: 1_000 });
  expect(rig.vendor.requestsTo(POST_JOB)).toHaveLength(0);

  rig.tenant.users.push(...added);
  bus.events.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 2, events: 1_500 });
  expect(bus.events.every((e) => e.type === 'secorch.identity.user.created')).toBe(true);
  expect(new Set(bus.events.map((e) => e.subject))).toEqual(new Set(added.map((u) => u.user_id)));

  // Round 3, by export: one block, one lost factor, one granted role; nothing else.
  rig.tenant.users[43]!.blocked = true;
  rig.tenant.users[1_201]!.multifactor = [];
  rig.tenant.roles[2]!.members.push(rig.tenant.users[2_222]!.user_id);
  bus.events.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 3, events: 3 });
  expect(bus.events.map((e) => [e.type, e.subject])).toEqual([
    ['secorch.identity.user.deactivated', rig.tenant.users[43]!.user_id],
    ['secorch.identity.user.mfa_removed', rig.tenant.users[1_201]!.user_id],
    ['secorch.identity.user.admin_granted', rig.tenant.users[2_222]!.user_id],
  ]);
});

test('identity sync: runs that meet their deadline while the job runs or after each page resume it; each user reported once', async () => {
  const { bus, run } = rig.job();
  let runs = 0;
  for (let done = false; !done && runs < 100; runs++) done = ((await run(rig.h.clock.now())) as { complete: boolean }).complete;
  // Run 1 starts the job, run 2 finds it processing, runs 3 to 27 read a page of 100 each, and
  // runs 27 to 31 sweep the 2,500 snapshot records, 500 per run.
  expect(runs).toBe(31);
  expect(rig.vendor.requestsTo(GET_JOB)).toHaveLength(26);
  expect(rig.vendor.requestsTo(POST_JOB)).toHaveLength(1);
  expect([bus.events.length, new Set(bus.events.map((e) => e.id)).size]).toEqual([2_500, 2_500]);
});
