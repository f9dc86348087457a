import { fixtureJson } from '../../../test/fixtures';
import { EVENT_TYPES, validateCloudEvent } from '../../events/cloudevent';
import type { Finding } from '../ocsf';
import { findingUid, githubMapper } from './index';

const ALERTS = [
  ['code_scanning_alert', 'created'],
  ['code_scanning_alert', 'fixed'],
  ['secret_scanning_alert', 'reopened'],
  ['dependabot_alert', 'created'],
  ['dependabot_alert', 'fixed'],
] as const;
const load = (event: string, action: string) =>
  fixtureJson<Record<string, unknown>>(`events/github-${event}-${action}.payload.json`);
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);

describe('GitHub mapper: dispatch and robustness', () => {
  test.each(ALERTS)('%s %s yields a valid CloudEvent and a consistent OCSF finding', (event, action) => {
    const payload = load(event, action);
    const ev = githubMapper({ event, deliveryId: 'abc', payload, receivedAt: RECEIVED });
    expect(ev).toBeDefined();
    const f = ev?.data as Finding;
    const repo = (payload.repository as { full_name: string }).full_name;
    const number = (payload.alert as { number: number }).number;
    expect(ev?.subject).toBe(findingUid(repo, event, number));
    expect(f.finding_info.uid).toBe(`github:${repo}:${event}:${number}`);
    expect(Object.values(EVENT_TYPES)).toContain(ev?.type);
    expect(validateCloudEvent({ specversion: '1.0', id: '1', source: '/webhooks/github', ...ev })).toEqual([]);
    expect(f.type_uid).toBe(f.class_uid * 100 + f.activity_id);
    expect(f.metadata).toMatchObject({ version: '1.3.0', uid: 'abc', event_code: `${event}.${action}`, logged_time: RECEIVED });
    expect(f.resources?.[0]).toMatchObject({ type: 'repository', uid: repo, name: repo });
    // Plain JSON all the way down: what a bus or a store will see.
    expect(JSON.parse(JSON.stringify(ev))).toStrictEqual(ev);
  });

  test('ping and other events give undefined, even with an alert-shaped body', () => {
    const ping = fixtureJson('events/github-ping.payload.json');
    expect(githubMapper({ event: 'ping', payload: ping, receivedAt: RECEIVED })).toBeUndefined();
    expect(githubMapper({ payload: ping, receivedAt: RECEIVED })).toBeUndefined();
    const alert = load('code_scanning_alert', 'created');
    for (const event of ['push', 'security_advisory', 'repository_vulnerability_alert', 'constructor', '']) {
      expect(githubMapper({ event, payload: alert, receivedAt: RECEIVED })).toBeUndefined();
    }
  });

  test('without an event name the alert shape selects the kind', () => {
    for (const [event, action] of ALERTS) {
      const payload = load(event, action);
      const inferred = githubMapper({ payload, receivedAt: RECEIVED });
      expect(inferred).toEqual(githubMapper({ event, payload, receivedAt: RECEIVED }));
      expect(inferred?.subject).toContain(`:${event}:`);
    }
  });

  test.each([null, undefined, 42, 'text', true, [], [{ alert: {}, repository: {} }]])('non-object payload %p gives undefined', (payload) => {
    expect(githubMapper({ event: 'code_scanning_alert', payload, receivedAt: RECEIVED })).toBeUndefined();
  });

  test.each([
    ['no repository', (p: Record<string, unknown>) => delete p.repository],
    ['repository is an array', (p: Record<string, unknown>) => (p.repository = [])],
    ['no full_name', (p: Record<string, unknown>) => delete (p.repository as Record<string, unknown>).full_name],
    ['no alert', (p: Record<string, unknown>) => delete p.alert],
    ['alert is null', (p: Record<string, unknown>) => (p.alert = null)],
    ['alert number is a string', (p: Record<string, unknown>) => ((p.alert as Record<string, unknown>).number = '10')],
    ['alert number is fractional', (p: Record<string, unknown>) => ((p.alert as Record<string, unknown>).number = 1.5)],
  ])('%s gives undefined', (_name, damage) => {
    for (const [event, action] of ALERTS) {
      const payload = load(event, action);
      damage(payload);
      expect(githubMapper({ event, payload, receivedAt: RECEIVED })).toBeUndefined();
    }
  });

  test('a missing action is an update of the alert', () => {
    const payload = load('dependabot_alert', 'created');
    delete payload.action;
    const ev = githubMapper({ event: 'dependabot_alert', payload, receivedAt: RECEIVED });
    expect(ev?.type).toBe('secorch.finding.updated');
    expect((ev?.data as Finding).metadata.event_code).toBe('dependabot_alert');
  });

  test('no field of any fixture, replaced by a value of the wrong type, makes the mapper throw', () => {
    const JUNK: unknown[] = [null, 0, -1, 'x', '', true, [], {}, [null], 'constructor'];
    let calls = 0;
    for (const [event, action] of ALERTS) {
      const walk = (node: unknown, path: string[]): void => {
        if (typeof node !== 'object' || node === null) return;
        for (const key of Object.keys(node)) {
          for (const junk of JUNK) {
            const payload = load(event, action);
            let target = payload as Record<string, unknown>;
            for (const step of path) target = target[step] as Record<string, unknown>;
            target[key] = junk;
            const ev = githubMapper({ event, deliveryId: 'd', payload, receivedAt: RECEIVED });
            calls++;
            if (ev !== undefined) expect(validateCloudEvent({ specversion: '1.0', id: '1', source: '/s', ...ev })).toEqual([]);
          }
          // sender, organization and installation are never read; the alert and repository are.
          if (['alert', 'repository', 'rule', 'tool', 'most_recent_instance', 'instances', 'location', 'security_advisory',
            'security_vulnerability', 'dependency', 'package', 'first_patched_version', 'cvss', 'cwes', 'identifiers',
            'references', 'owner', '0', '1'].includes(key)) walk((node as Record<string, unknown>)[key], [...path, key]);
        }
      };
      walk(load(event, action), []);
    }
    expect(calls).toBeGreaterThan(1000);
  });
});
