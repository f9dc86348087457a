import type { Config } from '../../config/schema';
import { jiraTickets } from '../../connectors/jira/tickets';
import { findingEvent, jiraConfig } from '../../connectors/jira/jira.testkit';
import { jiraTransport } from '../../connectors/jira/transport';
import { type FakeJira, ROUTES, STATUS, startFakeJira } from '../../connectors/jira/vendor.testkit';
import { type Harness, harness } from '../../connectors/transport.testkit';
import type { CloudEvent } from '../../events/cloudevent';
import type { Deps } from '../../ports';
import { memoryStore } from '../../store/memory';
import { testDeps } from '../../../test/deps';
import { jiraSyncJobSchema, jiraSyncJobWith } from './jira-sync';
import { jiraSyncProblems } from './jira-sync-config';

let h: Harness;
let jira: FakeJira;
let open = false;
let published: CloudEvent[];
let failAt: number | undefined;
let onPublish: ((e: CloudEvent) => void) | undefined;
let deps: Deps;

async function setup(o: { timeZone?: string } = {}) {
  h = harness();
  jira = await startFakeJira({ clock: h.clock, ...o });
  open = true;
  published = [];
  failAt = undefined;
  onPublish = undefined;
  const base = testDeps().deps;
  const config = { ...base.config, destinations: { 'jira-sec': jiraConfig(jira.vendor.url) } } as unknown as Config;
  const bus = {
    async publish(e: CloudEvent) {
      if (published.length + 1 === failAt) throw new Error('bus unavailable (test)');
      published.push(e);
      onPublish?.(e);
    },
    async check() {},
  };
  deps = { ...base, config, bus, http: h.http, clock: h.clock, store: memoryStore(h.clock), logger: h.logger };
}
afterEach(async () => {
  if (!open) return;
  open = false;
  await h.close();
  await jira.close();
});

const job = jiraSyncJob();
function jiraSyncJob() {
  return jiraSyncJobWith({ sleep: async (ms) => void h.waits.push(ms), random: () => 0 });
}
const run = (pageSize = 100, deadline = Infinity) =>
  job.run(jiraSyncJobSchema.parse({ type: 'jira-sync', destination: 'jira-sec', pageSize }), { schedule: 'jira-status', tenant: 'acme', due: h.clock.now(), deadline }, deps);

async function seed(n: number, tenant = 'acme') {
  const config = jiraConfig(jira.vendor.url);
  const tickets = jiraTickets(jiraTransport('seed', config, h), config, tenant);
  for (let i = 0; i < n; i++) await tickets.create(`f-${tenant}-${i}`, findingEvent(`e${i}`));
}
const searches = () => jira.vendor.requestsTo(ROUTES.search).map((r) => r.json() as { jql: string; nextPageToken?: string });

test('the first round records what is there; later rounds report each status change once, with the finding', async () => {
  await setup();
  await seed(3);
  expect(await run()).toEqual({ destination: 'jira-sec', pages: 1, issues: 3, changes: 0, partial: false });
  expect(published).toEqual([]);
  h.clock.advance(90_000);
  jira.setStatus('SEC-2', STATUS.progress);
  h.clock.advance(1_000);
  jira.setStatus('SEC-3', STATUS.done);
  expect(await run()).toMatchObject({ changes: 2 });
  expect(published.map((e) => [e.subject, (e.data as { from: string }).from, (e.data as { to: string }).to])).toEqual([
    ['f-acme-1', 'To Do', 'In Progress'], ['f-acme-2', 'To Do', 'Done'],
  ]);
  expect(published[0]).toMatchObject({
    type: 'secorch.ticket.status_changed', source: '//secorch/schedules/jira-status', tenant: 'acme', origin: 'schedule:jira-status', time: '2030-01-01T00:01:30.000Z',
    data: { finding_uid: 'f-acme-1', ticket_system: 'jira', ticket_id: '10002', ticket_key: 'SEC-2', ticket_url: `${jira.vendor.url}/browse/SEC-2`, to_category: 'indeterminate' },
  });
  // The second round asked only for what changed since the first (less a minute, JQL's precision).
  expect(searches()[1]!.jql).toBe('project = "SEC" AND labels = "secorch" AND updated >= "2029-12-31 23:59" ORDER BY updated ASC, key ASC');
  h.clock.advance(60_000);
  expect(await run()).toMatchObject({ changes: 0 });
  expect(searches()[2]!.jql).toContain('updated >= "2030-01-01 00:00"');
  expect(published).toHaveLength(2);
});

test('JQL dates are written in the account time zone, where Jira reads them', async () => {
  await setup({ timeZone: 'America/New_York' });
  await seed(1);
  await run();
  h.clock.advance(3_600_000);
  jira.setStatus('SEC-1', STATUS.done);
  expect(await run()).toMatchObject({ changes: 1 });
  // 00:00 UTC less a minute is 18:59 the evening before in New York.
  expect(searches()[1]!.jql).toContain('updated >= "2029-12-31 18:59"');
});

test('a run that fails midway resumes from its stored page and emits each change once', async () => {
  await setup();
  await seed(120);
  await run(20);
  for (const issue of jira.issues) {
    h.clock.advance(1_000);
    jira.setStatus(issue.key, STATUS.progress);
  }
  failAt = 50;
  await expect(run(20)).rejects.toThrow('bus unavailable');
  expect(published).toHaveLength(49);
  failAt = undefined;
  const before = searches().length;
  expect(await run(20)).toMatchObject({ pages: 4, changes: 71 });
  // Resumed at the third page (the two before it were stored), not from the start.
  expect(searches()[before]!.nextPageToken).toBe(Buffer.from('40').toString('base64url'));
  expect(published).toHaveLength(120);
  expect(new Set(published.map((e) => e.id)).size).toBe(120);
  expect(new Set(published.map((e) => e.subject)).size).toBe(120);
});

test('a run out of time stops after a page; the next continues there', async () => {
  await setup();
  await seed(50);
  await run(20);
  h.clock.advance(60_000);
  for (const issue of jira.issues) jira.setStatus(issue.key, STATUS.done);
  expect(await run(20, h.clock.now())).toMatchObject({ pages: 1, changes: 20, partial: true });
  expect(await run(20)).toMatchObject({ pages: 2, changes: 30, partial: false });
  expect(new Set(published.map((e) => e.subject)).size).toBe(50);
});

test('issues of another tenant are not reported; one first seen after it left its initial status is, from null', async () => {
  await setup();
  await seed(1);
  await run();
  h.clock.advance(60_000);
  await seed(1, 'other');
  await seed(1, 'late');
  jira.setStatus('SEC-2', STATUS.done);
  jira.setStatus('SEC-3', STATUS.done);
  jira.issues[2]!.properties['secorch.finding'] = { uid: 'f-late', tenant: 'acme' };
  expect(await run()).toMatchObject({ issues: 3, changes: 1 });
  expect(published[0]).toMatchObject({ subject: 'f-late', data: { from: null, to: 'Done' } });
});

test('a stored page token Jira no longer accepts restarts the round', async () => {
  await setup();
  await seed(2);
  await deps.store.put('jira-sync:jira-status:acme', JSON.stringify({ since: h.clock.now(), round: { from: h.clock.now(), token: 'expired!' } }));
  jira.setStatus('SEC-1', STATUS.done);
  expect(await run()).toMatchObject({ pages: 1, issues: 2, partial: false });
  expect(searches().map((s) => s.nextPageToken)).toEqual(['expired!', undefined]);
  expect(h.logs.map((l) => l.msg)).toContain('jira-sync: stored page token refused; restarting the round');
});

test('a first round over no issues still starts the cursor, so later first sights are reported', async () => {
  await setup();
  expect(await run()).toMatchObject({ issues: 0, changes: 0 });
  h.clock.advance(60_000);
  await seed(1);
  jira.setStatus('SEC-1', STATUS.done);
  expect(await run()).toMatchObject({ issues: 1, changes: 1 });
  expect(searches()[1]!.jql).toContain('updated >= "2029-12-31 23:59"');
});

test('an issue skipped at a page boundary because another moved to the end mid-round is read in the next round, once', async () => {
  await setup();
  await seed(4);
  await run(2);
  h.clock.advance(600_000);
  for (const key of ['SEC-1', 'SEC-2', 'SEC-3', 'SEC-4']) {
    h.clock.advance(1_000);
    jira.setStatus(key, STATUS.progress);
  }
  h.clock.advance(10_000);
  // While the round handles its first page (SEC-1, SEC-2), SEC-1 changes again minutes later: it
  // moves to the end, SEC-3 takes its place on the first page, and the second page starts at SEC-4.
  onPublish = (e) => {
    if (e.subject !== 'f-acme-0' || (e.data as { to: string }).to !== 'In Progress') return;
    h.clock.advance(300_000);
    jira.setStatus('SEC-1', STATUS.done);
  };
  expect(await run(2)).toMatchObject({ pages: 2, issues: 4, changes: 4 });
  expect(published.map((e) => e.subject)).not.toContain('f-acme-2');
  onPublish = undefined;
  h.clock.advance(300_000);
  // The next round reads again from the last `updated` of the page before the move, less a minute.
  expect(await run(2)).toMatchObject({ changes: 1 });
  expect(searches().at(-2)!.jql).toContain('updated >= "2030-01-01 00:09"');
  const changes = published.map((e) => [e.subject, (e.data as { to: string }).to]);
  expect(changes).toEqual([['f-acme-0', 'In Progress'], ['f-acme-1', 'In Progress'], ['f-acme-3', 'In Progress'], ['f-acme-0', 'Done'], ['f-acme-2', 'In Progress']]);
  expect(new Set(published.map((e) => e.id)).size).toBe(5);
  // With nothing moving, the round after starts at the latest issue read (SEC-1's move) again.
  h.clock.advance(60_000);
  expect(await run(2)).toMatchObject({ changes: 0 });
  expect(searches().at(-1)!.jql).toContain('updated >= "2030-01-01 00:14"');
});

test('a stored state that is not valid JSON (or not a sync state) restarts the cursor with a warning naming the key', async () => {
  await setup();
  await seed(2);
  await run();
  h.clock.advance(60_000);
  jira.setStatus('SEC-1', STATUS.done);
  for (const corrupt of ['{"since":', '{"since":"yesterday"}']) {
    await deps.store.put('jira-sync:jira-status:acme', corrupt);
    await expect(run()).resolves.toMatchObject({ issues: 2, partial: false });
    expect(h.logs.filter((l) => l.msg.startsWith('jira-sync: stored state unreadable')).at(-1)).toMatchObject({ level: 'warn', fields: { key: 'jira-sync:jira-status:acme' } });
    // The cursor is written again, so the next run is an ordinary one.
    expect(JSON.parse((await deps.store.get('jira-sync:jira-status:acme'))!.value)).toEqual({ since: expect.any(Number), target: `${jira.vendor.url} project=SEC` });
  }
  // Restarting re-reads the project; the change is reported once (the per-issue status is intact).
  expect(published.map((e) => e.subject)).toEqual(['f-acme-0']);
});

test('problems: the destination must exist and be a jira one', () => {
  const config = { destinations: { f: { type: 'file', path: 'x' }, j: { type: 'jira' } } } as unknown as Config;
  const p = (destination: string) => jiraSyncProblems(jiraSyncJobSchema.parse({ type: 'jira-sync', destination }), 'schedules.s.job', config);
  expect(p('j')).toEqual([]);
  expect(p('nope')).toEqual(['schedules.s.job.destination: unknown destination "nope"']);
  expect(p('f')).toEqual(['schedules.s.job.destination: "f" is a file destination, not jira']);
});
