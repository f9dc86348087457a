import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch } from '../../shared/batch/runner';
import { localOktaOrg } from '../../shared/connectors/okta/local-org.testkit';
import { listDeadLetters } from '../../shared/deadletters/store';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { testDeps } from '../../test/deps';
import { eventRouter } from './handler';
import { forgetRefusals } from './refusal';

/**
 * The identity guard's refusals (shared/connectors/identity/guard.ts) are final, so the router
 * keeps the event as a `destination_failed` dead letter naming the refusal, acknowledges it, and
 * a replay once the cause is gone reaches the provider (here a local Okta org).
 */
const local = localOktaOrg(4);

function setup() {
  const file = join(mkdtempSync(join(tmpdir(), 'router-identity-')), 'all.jsonl');
  const { deps, clock } = testDeps({
    routes: [{ name: 'identity', filter: { prefix: { type: 'secorch.identity.' } }, to: ['okta-prod', 'all'] }],
    destinations: {
      'okta-prod': { type: 'okta', baseUrl: local.vendor.url, apiToken: 't', on: { 'secorch.identity.compromised': 'suspend' }, protect: [local.org.users[0]!.id], limit: { actions: 1, perSeconds: 3600 } },
      all: { type: 'file', path: file },
    },
  });
  Object.assign(deps, { http: local.h.http, logger: local.h.logger });
  const ids = () => readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as CloudEvent).id);
  // A replay as POST /dead-letters/{id}/replay makes it: the event's refusals cleared, then routed again.
  const replay = async (r: { body: string }) => {
    await forgetRefusals(deps, JSON.parse(r.body) as CloudEvent, Object.keys(deps.config.destinations));
    return (await runBatch([{ ...r, id: 'replay', attributes: {} }], eventRouter, deps)).map((o) => o.ok);
  };
  return { deps, clock, ids, replay };
}
const record = (id: string, user: number) => {
  const e: CloudEvent = { specversion: '1.0', id, source: '/webhooks/okta', type: 'secorch.identity.compromised', tenant: 'default', origin: 'webhook:okta', data: { user: { uid: local.org.users[user]!.id } } };
  return { id, body: JSON.stringify(e), attributes: {} };
};

test('a protected user and an action past the cap become destination_failed dead letters; the other destinations take the events; a replay after the window acts', async () => {
  const { deps, clock, ids, replay } = setup();
  const outcomes = await runBatch([record('p', 0), record('ok', 1), record('capped', 2)], eventRouter, deps);
  expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
  expect(local.org.users.map((u) => u.status)).toEqual(['ACTIVE', 'SUSPENDED', 'ACTIVE', 'ACTIVE']);
  // `protect` lists an Okta id, so each event's user is looked up (one GET) before the limit is
  // checked; the protected id is refused by name, with no request at all.
  const u = (i: number) => `/api/v1/users/${local.org.users[i]!.id}`;
  expect(local.vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${u(1)}`, `POST ${u(1)}/lifecycle/suspend`, `GET ${u(2)}`]);
  expect(ids()).toEqual(['p', 'ok', 'capped']);
  const kept = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
  expect(kept.map((d) => [JSON.parse(d.body).id, d.reason.code, d.reason.message.split(':').slice(0, 2).join(':')]).sort()).toEqual([
    ['capped', 'destination_failed', 'okta-prod: identity_action_limited'],
    ['p', 'destination_failed', 'okta-prod: identity_user_protected'],
  ]);
  // Replayed within the window: refused again (acknowledged, counted on its dead letter). After
  // it: the user is suspended, and the file destination, which took the event the first time, is
  // not repeated.
  expect(await replay(record('capped', 2))).toEqual([true]);
  expect(local.org.users[2]!.status).toBe('ACTIVE');
  const again = (await listDeadLetters(deps, 'default')).items.map((i) => i.record);
  expect(again.map((d) => [JSON.parse(d.body).id, d.failures]).sort()).toEqual([['capped', 2], ['p', 1]]);
  clock.advance(3600 * 1000);
  expect(await replay(record('capped', 2))).toEqual([true]);
  expect(local.org.users[2]!.status).toBe('SUSPENDED');
  expect(ids()).toEqual(['p', 'ok', 'capped']);
});
