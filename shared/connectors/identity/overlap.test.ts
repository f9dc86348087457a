import type { Harness } from '../transport.testkit';
import { directory, syncDeps } from './directory.testkit';
import { runSync } from './sync';

/**
 * Two runs of one schedule at once: the scheduler claims each due time once, but a run stops for
 * its deadline only between pages, so one held up by a slow vendor page is still running when the
 * next due time's run starts (shared/schedules/run.ts). The late run must stop at its next write,
 * writing nothing over the other's work and publishing nothing the other did not.
 */
const scope = { tenant: 'default', schedule: 'users', provider: 'okta' as const };
const far = () => Date.parse('2100-01-01T00:00:00Z');
const STOPPED = 'identity sync: another run of this schedule moved the position; this run stops';
const kinds = (events: { type: string; subject?: string }[]) => events.map((e) => [e.type.replace('secorch.identity.user.', ''), e.subject]);

let h: Harness;
afterEach(() => h.close());

type Directory = ReturnType<typeof directory>;

/** Round 1, then round 2 by two runs: A reads page 2 (u3, u4), `meanwhile` happens, B finishes the round, A goes on. */
async function overlapped(meanwhile: (dir: Directory) => void, before: (dir: Directory) => void = () => {}) {
  const s = syncDeps();
  h = s.h;
  const dir = directory(['u1', 'u2', 'u3', 'u4']);
  expect(await runSync(dir.source, scope, far(), s.deps)).toMatchObject({ complete: true, round: 1, events: 4 });
  s.bus.events.length = 0;
  before(dir);
  // Run A reads page 2 and is held up before handling it; run B, started at the next due time,
  // resumes at page 2 (A saved page 1) and finishes the round.
  const held = dir.hold(1);
  const a = runSync(dir.source, scope, far(), s.deps);
  await held.reached;
  meanwhile(dir);
  expect(await runSync(dir.source, scope, far(), s.deps)).toMatchObject({ complete: true, round: 2 });
  held.release();
  return { s, dir, a: await a };
}

test('a run overtaken by another stops at its next write: no stale record over the other run\'s, so one suspension is reported once', async () => {
  const { s, dir, a } = await overlapped((d) => d.suspend('u3'));
  expect(a).toMatchObject({ conflict: true, complete: false, events: 0 });
  expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([STOPPED]);
  // Later rounds see u3 still suspended: nothing more to report.
  expect(await runSync(dir.source, scope, far(), s.deps)).toMatchObject({ complete: true, round: 3 });
  expect(kinds(s.bus.events)).toEqual([['deactivated', 'u3']]);
});

test('a run overtaken by another publishes nothing from its stale page; a later real change is reported under an id of its own', async () => {
  // A reads u3 suspended; u3 is active again when B reads it, so B reports nothing. A's event would
  // be stale, and since A cannot save its record, a later real suspension would repeat its id
  // (consumers deduplicating on ids would drop that one).
  const { s, dir, a } = await overlapped((d) => d.activate('u3'), (d) => d.suspend('u3'));
  expect(a).toMatchObject({ conflict: true, complete: false, events: 0 });
  expect(s.bus.events).toEqual([]);
  dir.suspend('u3');
  expect(await runSync(dir.source, scope, far(), s.deps)).toMatchObject({ complete: true, round: 3 });
  expect(kinds(s.bus.events)).toEqual([['deactivated', 'u3']]);
});
