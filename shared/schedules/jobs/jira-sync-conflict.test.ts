import type { Config } from '../../config/schema';
import { jiraTickets } from '../../connectors/jira/tickets';
import { findingEvent, jiraConfig } from '../../connectors/jira/jira.testkit';
import { jiraTransport } from '../../connectors/jira/transport';
import { type FakeJira, startFakeJira } from '../../connectors/jira/vendor.testkit';
import { type Harness, harness } from '../../connectors/transport.testkit';
import type { Deps } from '../../ports';
import type { StateStore } from '../../ports/store';
import { memoryStore } from '../../store/memory';
import { testDeps } from '../../../test/deps';
import { jiraSyncJobSchema, jiraSyncJobWith } from './jira-sync';

// The fake Jira of jira-sync.test.ts (vendor.testkit.ts, a local HTTP server) and the memory store.
let h: Harness;
let jira: FakeJira;

afterEach(async () => {
  await h.close();
  await jira.close();
});

const STATE_KEY = 'jira-sync:jira-status:acme';

test('another run that moves the cursor right after this run saved it makes this run stop (conflict: true, a warning), not overwrite it', async () => {
  h = harness();
  jira = await startFakeJira({ clock: h.clock });
  const base = testDeps().deps;
  const config = { ...base.config, destinations: { 'jira-sec': jiraConfig(jira.vendor.url) } } as unknown as Config;
  const inner = memoryStore(h.clock);
  let interfered = false;
  // A second run of the same schedule (a run that overran into the next due time) saves its
  // cursor in the moment between this run's save and whatever this run does next.
  const store: StateStore = {
    ...inner,
    async put(key, value, opts) {
      const ok = await inner.put(key, value, opts);
      if (ok && key === STATE_KEY && !interfered) {
        interfered = true;
        const seen = (await inner.get(key))!;
        expect(await inner.put(key, JSON.stringify({ since: 1, round: { token: 'theirs' } }), { ifVersion: seen.version })).toBe(true);
      }
      return ok;
    },
  };
  const deps: Deps = { ...base, config, http: h.http, clock: h.clock, store, logger: h.logger };
  const seedConfig = jiraConfig(jira.vendor.url);
  const tickets = jiraTickets(jiraTransport('seed', seedConfig, h), seedConfig, 'acme');
  for (let i = 0; i < 30; i++) await tickets.create(`f-${i}`, findingEvent(`e${i}`));

  const job = jiraSyncJobWith({ sleep: async (ms) => void h.waits.push(ms), random: () => 0 });
  const run = job.run(jiraSyncJobSchema.parse({ type: 'jira-sync', destination: 'jira-sec', pageSize: 10 }), { schedule: 'jira-status', tenant: 'acme', due: h.clock.now(), deadline: Infinity }, deps);
  // Overtaken, not failed: the first page was read and saved, then the other run's save wins.
  await expect(run).resolves.toMatchObject({ destination: 'jira-sec', pages: 2, conflict: true });
  expect(h.logs.some((l) => l.msg === 'jira-sync: another run moved the cursor; this one stops')).toBe(true);
  // The other run's cursor stands.
  expect(JSON.parse((await inner.get(STATE_KEY))!.value)).toEqual({ since: 1, round: { token: 'theirs' } });
});
