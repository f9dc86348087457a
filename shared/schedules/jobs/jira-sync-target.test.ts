import type { Config } from '../../config/schema';
import { jiraTickets } from '../../connectors/jira/tickets';
import { findingEvent, jiraConfig } from '../../connectors/jira/jira.testkit';
import { jiraTransport } from '../../connectors/jira/transport';
import { type FakeJira, STATUS, startFakeJira } from '../../connectors/jira/vendor.testkit';
import { type Harness, harness } from '../../connectors/transport.testkit';
import type { Deps } from '../../ports';
import { memoryStore } from '../../store/memory';
import { memoryBus, testDeps } from '../../../test/deps';
import { jiraSyncJobSchema, jiraSyncJobWith } from './jira-sync';

/**
 * A jira-sync schedule whose destination is pointed at another project or site, against fake Jira
 * sites on the local vendor server (vendor.testkit.ts; no Jira emulator exists). Every site counts
 * issue ids from 10001, as Jira counts from 10000.
 */
let h: Harness;
let sites: FakeJira[];
let deps: Deps;
let bus: ReturnType<typeof memoryBus>;

beforeEach(() => {
  h = harness();
  sites = [];
  bus = memoryBus();
  deps = { ...testDeps().deps, bus, http: h.http, clock: h.clock, store: memoryStore(h.clock), logger: h.logger };
});
afterEach(async () => {
  await h.close();
  for (const s of sites) await s.close();
});

async function site(project?: string) {
  const s = await startFakeJira({ clock: h.clock, ...(project ? { project } : {}) });
  sites.push(s);
  return s;
}
/** The schedule's destination is now `baseUrl` and `project`, as after an edited configuration. */
const point = (s: FakeJira, project = 'SEC') => void (deps.config = { ...deps.config, destinations: { 'jira-sec': jiraConfig(s.vendor.url, { project }) } } as unknown as Config);
async function seed(s: FakeJira, uids: string[]) {
  const config = jiraConfig(s.vendor.url);
  const tickets = jiraTickets(jiraTransport('seed', config, h), config, 'acme');
  for (const uid of uids) await tickets.create(uid, findingEvent(`e-${uid}`, 'created', uid));
}
const job = jiraSyncJobWith({ sleep: async (ms) => void h.waits.push(ms), random: () => 0 });
const run = (deadline = Infinity, pageSize = 100) =>
  job.run(jiraSyncJobSchema.parse({ type: 'jira-sync', destination: 'jira-sec', pageSize }), { schedule: 'jira-status', tenant: 'acme', due: h.clock.now(), deadline }, deps);
const changes = () => bus.events.map((e) => { const d = e.data as { from: string | null; to: string; ticket_url: string }; return [e.subject, d.from, d.to, d.ticket_url]; });
const warnings = () => h.logs.filter((l) => l.level === 'warn');
const STATE = 'jira-sync:jira-status:acme';
const state = async () => JSON.parse((await deps.store.get(STATE))!.value) as Record<string, unknown>;
const keys = async () => (await deps.store.list('jira-sync:jira-status:acme:', { limit: 1000 })).items.map((i) => i.key);
const searchesOf = (s: FakeJira) => s.vendor.requestsTo('POST /rest/api/3/search/jql').map((r) => (r.json() as { jql: string }).jql);

test('moved to another project: its issues updated before the move are baselined, and their later changes are reported from the status seen', async () => {
  const jira = await site();
  // Two issues that will be OPS's (the fake holds one project: they are moved there by key), the
  // first already done, both updated long before the SEC schedule's cursor.
  await seed(jira, ['f-ops-1', 'f-ops-2']);
  jira.setStatus('SEC-1', STATUS.done);
  for (const issue of jira.issues) issue.key = issue.key.replace('SEC-', 'OPS-');
  h.clock.advance(600_000);
  await seed(jira, ['f-sec-3']);
  point(jira, 'SEC');
  expect(await run()).toMatchObject({ issues: 1, changes: 0 });

  h.clock.advance(600_000);
  point(jira, 'OPS');
  // A first round of OPS: every issue of it, nothing reported.
  expect(await run()).toMatchObject({ issues: 2, changes: 0 });
  expect(searchesOf(jira).at(-1)).toBe('project = "OPS" AND labels = "secorch" ORDER BY updated ASC, key ASC');
  expect(warnings().map((l) => [l.msg, l.fields])).toEqual([[
    'jira-sync: the destination names another site or project now; the sync starts over there (statuses recorded, not reported, on first sight) and the earlier statuses are deleted',
    { schedule: 'jira-status', before: `${jira.vendor.url} project=SEC`, now: `${jira.vendor.url} project=OPS` },
  ]]);

  h.clock.advance(60_000);
  jira.setStatus('OPS-1', STATUS.todo);
  h.clock.advance(1_000);
  jira.setStatus('OPS-2', STATUS.progress);
  expect(await run()).toMatchObject({ changes: 2 });
  expect(changes().map((c) => c.slice(0, 3))).toEqual([['f-ops-1', 'Done', 'To Do'], ['f-ops-2', 'To Do', 'In Progress']]);
});

test('moved to another site: the first site\'s statuses are not compared with the second\'s issues of the same ids, and are deleted', async () => {
  const [a, b] = [await site(), await site()];
  await seed(a, ['f-a-1', 'f-a-2']);
  point(a);
  await run();
  h.clock.advance(60_000);
  a.setStatus('SEC-1', STATUS.progress);
  a.setStatus('SEC-2', STATUS.done);
  expect(await run()).toMatchObject({ changes: 2 });
  const onA = bus.events.map((e) => e.id);
  bus.events.length = 0;

  h.clock.advance(60_000);
  await seed(b, ['f-b-1', 'f-b-2']);
  expect(b.issues.map((i) => i.id)).toEqual(a.issues.map((i) => i.id));
  point(b);
  // B's 10001 and 10002 are To Do: not a change from A's In Progress and Done, only a first sight.
  expect(await run()).toMatchObject({ issues: 2, changes: 0 });
  expect(bus.events).toEqual([]);
  h.clock.advance(60_000);
  b.setStatus('SEC-1', STATUS.done);
  expect(await run()).toMatchObject({ changes: 1 });
  expect(changes()).toEqual([['f-b-1', 'To Do', 'Done', `${b.vendor.url}/browse/SEC-1`]]);
  expect(onA).not.toContain(bus.events[0]!.id);
  // Only B's statuses and the state are left.
  const left = await keys();
  expect(left).toHaveLength(2);
  expect(left.every((k) => /^jira-sync:jira-status:acme:[0-9a-f]{16}:issue:1000[12]$/.test(k))).toBe(true);
  expect(await state()).not.toHaveProperty('retired');
  expect(h.logs.map((l) => l.msg)).toContain('jira-sync: the statuses of the earlier site or project are deleted');
});

test('a state stored before targets were recorded is taken to be of the configured site and project: nothing is baselined again', async () => {
  const jira = await site();
  await seed(jira, ['f-1', 'f-2']);
  point(jira);
  await run();
  // As an earlier version left it: statuses under jira-sync:{schedule}:{tenant}:issue:{id} and a
  // state without its target.
  for (const key of await keys()) {
    const item = (await deps.store.get(key))!;
    await deps.store.delete(key);
    await deps.store.put(key.replace(/:[0-9a-f]{16}:issue:/, ':issue:'), item.value);
  }
  const { target: _, ...legacy } = await state();
  await deps.store.put(STATE, JSON.stringify(legacy));
  h.clock.advance(60_000);
  jira.setStatus('SEC-2', STATUS.done);
  expect(await run()).toMatchObject({ changes: 1 });
  expect(changes().map((c) => c.slice(0, 3))).toEqual([['f-2', 'To Do', 'Done']]);
  expect(warnings()).toEqual([]);
  expect(await state()).toMatchObject({ target: `${jira.vendor.url} project=SEC`, legacy: true });
  expect((await keys()).sort()).toEqual(['jira-sync:jira-status:acme:issue:10001', 'jira-sync:jira-status:acme:issue:10002']);

  // A state lost afterwards (deleted, or unreadable) still finds those statuses: a change is reported once, from them.
  await deps.store.put(STATE, '{"since":');
  h.clock.advance(60_000);
  jira.setStatus('SEC-1', STATUS.progress);
  expect(await run()).toMatchObject({ issues: 2, changes: 1 });
  expect(changes().map((c) => c.slice(0, 3))).toEqual([['f-2', 'To Do', 'Done'], ['f-1', 'To Do', 'In Progress']]);
});

test('the earlier site\'s statuses are deleted after the round, as far as the deadline allows; back on that site before, they are kept', async () => {
  const [a, b] = [await site(), await site()];
  await seed(a, Array.from({ length: 60 }, (_, i) => `f-a-${i}`));
  point(a);
  await run();
  await seed(b, ['f-b-1']);
  point(b);
  // A deadline already passed: B's round is read (a run always makes progress) and the deletion waits.
  expect(await run(0)).toMatchObject({ issues: 1, partial: false });
  expect(await keys()).toHaveLength(61);
  expect(await state()).toHaveProperty('retired');

  // Back on A before the deletion: A's statuses are its own, so they stay and its changes are
  // reported from them; B's are the ones deleted.
  h.clock.advance(60_000);
  a.setStatus('SEC-7', STATUS.done);
  point(a);
  expect(await run()).toMatchObject({ issues: 60, changes: 1 });
  expect(changes().map((c) => c.slice(0, 3))).toEqual([['f-a-6', 'To Do', 'Done']]);
  expect(await keys()).toHaveLength(60);
  expect(await state()).not.toHaveProperty('retired');
});

test('two schedules of one tenant, the destination pointed away and back between their runs: each keeps its own statuses, so neither reports an unchanged issue from null', async () => {
  // Unlike servicenow-sync's states, jira-sync's statuses, state and deletions are all per
  // schedule (jira-sync-target.ts): one schedule's move cannot delete statuses another reads.
  const [a, b] = [await site(), await site()];
  const runAs = (schedule: string) => job.run(jiraSyncJobSchema.parse({ type: 'jira-sync', destination: 'jira-sec' }), { schedule, tenant: 'acme', due: h.clock.now(), deadline: Infinity }, deps);
  await seed(a, ['f-1']);
  point(a);
  await runAs('jira-fast');
  await runAs('jira-slow');
  h.clock.advance(60_000);
  a.setStatus('SEC-1', STATUS.progress);
  await runAs('jira-fast');
  await runAs('jira-slow');
  expect(changes().map((c) => c.slice(0, 3))).toEqual([['f-1', 'To Do', 'In Progress'], ['f-1', 'To Do', 'In Progress']]);

  await seed(b, ['f-b-1']);
  h.clock.advance(60_000);
  point(b);
  await runAs('jira-fast');
  point(a);
  h.clock.advance(60_000);
  // Updated without a change of status.
  a.setStatus('SEC-1', STATUS.progress);
  expect(await runAs('jira-slow')).toMatchObject({ issues: 1, changes: 0 });
  expect(await runAs('jira-fast')).toMatchObject({ changes: 0 });
  expect(changes()).toHaveLength(2);
});
