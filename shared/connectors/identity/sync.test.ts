import { testDeps } from '../../../test/deps';
import { type Harness, harness } from '../transport.testkit';
import { runSync } from './sync';
import type { SourcePage, UserObservation, UserSource } from './types';

/** runSync with in-process sources (no vendor involved): rounds whose listing ends oddly still end. */
const scope = { tenant: 'default', schedule: 'users', provider: 'okta' as const };
const user = (id: string): UserObservation => ({ id, fields: { status: 'ACTIVE', active: true } });
let h: Harness;
beforeEach(() => void (h = harness()));
afterEach(() => h.close());

/** A full source whose listing is scripted per call: each entry is the pages of one call. */
function scripted(calls: ((resume: string | undefined) => SourcePage[])[], lookups: string[]): UserSource {
  let n = 0;
  return {
    provider: 'okta',
    mode: 'full',
    async *pages(resume) {
      yield* calls[Math.min(n++, calls.length - 1)]!(resume);
    },
    async lookup(id) {
      lookups.push(id);
      return user(id);
    },
  };
}

function deps() {
  const d = testDeps().deps;
  return { ...d, logger: h.logger, clock: h.clock };
}

test('a listing with no pages at all ends the round (a full source then looks up the users it did not list)', async () => {
  const d = deps();
  const lookups: string[] = [];
  const source = scripted([() => [{ users: [user('u1'), user('u2')] }], () => []], lookups);
  expect(await runSync(source, scope, h.clock.now() + 60_000, d)).toMatchObject({ complete: true, round: 1 });
  expect(await runSync(source, scope, h.clock.now() + 60_000, d)).toMatchObject({ complete: true, round: 2, pages: 0, events: 0 });
  expect(lookups).toEqual(['u1', 'u2']);
  expect(h.logs.map((l) => [l.level, l.msg])).toContainEqual(['warn', 'identity sync: the source listed no page; the round ends with the users it holds']);
});

test('a listing that stops without a final page, at a position that leads nowhere, starts the round again after 3 runs', async () => {
  const d = deps();
  const lookups: string[] = [];
  // The first listing stops after a page that names a next one; that position then yields nothing
  // (a vendor that lost it) until the round starts again, when the whole listing is served.
  let restarted = false;
  const source = scripted([(resume) => {
    if (resume === undefined && restarted) return [{ users: [user('u1')], next: 'p2' }, { users: [user('u2')] }];
    if (resume === undefined) return (restarted = true), [{ users: [user('u1')], next: 'p2' }];
    return [];
  }], lookups);
  const results = [];
  for (let i = 0; i < 5; i++) results.push(await runSync(source, scope, h.clock.now() + 60_000, d));
  expect(results.map((r) => r.complete)).toEqual([false, false, false, true, true]);
  expect(results[3]).toMatchObject({ round: 1, pages: 2, users: 2 });
  expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['identity sync: the listing yields nothing at its stored position; starting the round again']);
});

test('runs cut by their deadline with no page read (a vendor still preparing) are no stall: each resumes at its position', async () => {
  const d = deps();
  const resumes: (string | undefined)[] = [];
  let ready = false;
  const source: UserSource = {
    provider: 'okta',
    mode: 'full',
    async *pages(resume) {
      resumes.push(resume);
      if (resume === undefined) yield { users: [user('u1')], next: 'p2' };
      else if (ready) yield { users: [user('u2')] };
    },
    lookup: async (id) => user(id),
  };
  expect(await runSync(source, scope, h.clock.now(), d)).toMatchObject({ complete: false, pages: 1 });
  for (let i = 0; i < 5; i++) expect(await runSync(source, scope, h.clock.now(), d)).toMatchObject({ complete: false, pages: 0 });
  ready = true;
  expect(await runSync(source, scope, h.clock.now() + 60_000, d)).toMatchObject({ complete: true, round: 1, pages: 1 });
  expect(resumes).toEqual([undefined, 'p2', 'p2', 'p2', 'p2', 'p2', 'p2']);
});
