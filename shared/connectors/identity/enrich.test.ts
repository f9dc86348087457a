import { testDeps } from '../../../test/deps';
import { runSync } from './sync';
import type { UserObservation, UserSource } from './types';

/** The enrichment pass of a delta source (enrich.ts) over a snapshot of more than one store page (500 records). */
const ids = Array.from({ length: 600 }, (_, i) => `u${String(i).padStart(4, '0')}`);
const scope = { tenant: 'default', schedule: 'graph-users', provider: 'entra' as const };

function source(factors: Map<string, number>, roles: Map<string, string[]>, reads: { n: number }): UserSource {
  let first = true;
  return {
    provider: 'entra',
    mode: 'delta',
    async *pages() {
      // The first round lists every user; later rounds report no change of the user objects.
      const users: UserObservation[] = first ? ids.map((id) => ({ id, fields: { status: 'enabled', active: true } })) : [];
      first = false;
      yield { users, deltaLink: 'https://graph.example/delta?$deltatoken=1' };
    },
    async enrichment() {
      reads.n += 1;
      const f = new Map(factors);
      const r = new Map(roles);
      return (id) => ({ ...(f.has(id) ? { mfaFactors: f.get(id) } : {}), adminRoles: r.get(id) ?? [] });
    },
  };
}

test('users absent from the delta: lost MFA and granted roles reported once; a pass cut by the deadline resumes at its position', async () => {
  const { deps, clock, bus } = testDeps();
  const factors = new Map(ids.map((id) => [id, 1]));
  const roles = new Map<string, string[]>();
  const reads = { n: 0 };
  const s = source(factors, roles, reads);
  expect(await runSync(s, scope, clock.now() + 60_000, deps)).toMatchObject({ complete: true, round: 1, events: 600 });
  // This source does not merge its enrichment into pages: the pass records it, with no event.
  expect(bus.events.every((e) => e.type === 'secorch.identity.user.created')).toBe(true);

  factors.set(ids[10]!, 0);
  factors.delete(ids[20]!);
  roles.set(ids[590]!, ['Security Administrator']);
  bus.events.length = 0;
  // A deadline already passed: the run stops after the first store page of the pass.
  expect(await runSync(s, scope, clock.now(), deps)).toMatchObject({ complete: false, events: 1 });
  expect(await runSync(s, scope, clock.now() + 60_000, deps)).toMatchObject({ complete: true, round: 2, pages: 0, events: 1 });
  expect(bus.events.map((e) => [e.type, e.subject, (e.data as { granted_roles?: string[] }).granted_roles])).toEqual([
    ['secorch.identity.user.mfa_removed', ids[10], undefined],
    ['secorch.identity.user.admin_granted', ids[590], ['Security Administrator']],
  ]);
  expect(reads.n).toBe(3);
  expect(bus.events[0]!.data).toMatchObject({ before: { mfa_factors: 1 }, after: { mfa_factors: 0, admin_roles: [] } });

  // Nothing new: nothing reported; a user absent from the MFA report kept its count.
  bus.events.length = 0;
  expect(await runSync(s, scope, clock.now() + 60_000, deps)).toMatchObject({ complete: true, round: 3, events: 0 });
  expect(bus.events).toEqual([]);
});
