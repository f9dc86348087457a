import { fixtureJson } from '../../../test/fixtures';
import type { Finding } from '../ocsf';
import type { MappedEvent } from '../types';
import { githubMapper } from './index';

// Real payloads from octokit/webhooks (../../../../shared/fixtures/SOURCES.md), with the action
// and alert fields of a later activity set as GitHub's webhook schemas describe them.
type Payload = { action: string; alert: Record<string, unknown>; [k: string]: unknown };
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const load = (name: string) => fixtureJson<Payload>(`events/github-${name}.payload.json`);
const later = (name: string, action: string, alert: Record<string, unknown>): Payload => {
  const p = load(name);
  p.action = action;
  Object.assign(p.alert, alert);
  return p;
};
const map = (event: string, payload: unknown) => githubMapper({ event, deliveryId: 'd', payload, receivedAt: RECEIVED }) as MappedEvent;

/*
 * An activity on an alert that stays closed (a validity check, an assignment, the alert showing
 * up in another branch) is not the finding opening again. Published as `updated`, it re-opened
 * the finding downstream: a ticket destination took an update dated after the resolve for a
 * reopening (a new ticket when the alert was resolved before one was made), and a PagerDuty
 * destination, which triggers on `updated` by default, paged for a closed alert.
 */
describe('GitHub: activity on an alert that stays closed', () => {
  test('secret scanning `validated` of a revoked secret (webhooks carry no `state`): resolved, Resolved', () => {
    // The secret_scanning_alert webhook alert has resolution/resolved_at but no state field.
    const ev = map('secret_scanning_alert', later('secret_scanning_alert-reopened', 'validated', {
      resolution: 'revoked', resolved_at: '2024-01-01T10:00:00Z', updated_at: '2024-01-02T00:00:00Z', validity: 'inactive',
    }));
    expect(ev.data).toMatchObject({ status_id: 4, status: 'Resolved', status_detail: 'revoked' });
    expect(ev.type).toBe('secorch.finding.resolved');
    expect(ev.time).toBe('2024-01-02T00:00:00.000Z');
  });

  test('secret scanning `publicly_leaked` of a secret resolved as a false positive: resolved, Suppressed', () => {
    const ev = map('secret_scanning_alert', later('secret_scanning_alert-reopened', 'publicly_leaked', {
      resolution: 'false_positive', resolved_at: '2024-01-01T10:00:00Z',
    }));
    expect(ev.data).toMatchObject({ status_id: 3, status_detail: 'false_positive' });
    expect(ev.type).toBe('secorch.finding.resolved');
  });

  test('secret scanning `validated` of an open alert stays an update of an open finding', () => {
    const ev = map('secret_scanning_alert', later('secret_scanning_alert-reopened', 'validated', { validity: 'active' }));
    expect(ev).toMatchObject({ type: 'secorch.finding.updated', data: { status_id: 1 } });
  });

  test('code scanning `appeared_in_branch` of a dismissed alert: resolved, Suppressed', () => {
    const ev = map('code_scanning_alert', later('code_scanning_alert-created', 'appeared_in_branch', {
      state: 'dismissed', dismissed_reason: 'false positive', dismissed_at: '2021-03-01T10:00:00Z',
    }));
    expect((ev.data as Finding).status_id).toBe(3);
    expect(ev.type).toBe('secorch.finding.resolved');
  });

  test('dependabot `assignees_changed` of a fixed alert: resolved, Resolved', () => {
    const ev = map('dependabot_alert', later('dependabot_alert-fixed', 'assignees_changed', { updated_at: '2022-07-01T00:00:00Z' }));
    expect((ev.data as Finding).status_id).toBe(4);
    expect(ev).toMatchObject({ type: 'secorch.finding.resolved', time: '2022-07-01T00:00:00.000Z' });
  });

  test('dependabot `created` for an alert an auto-triage rule dismissed at once: resolved, not a new open finding', () => {
    const ev = map('dependabot_alert', later('dependabot_alert-created', 'created', { state: 'auto_dismissed', auto_dismissed_at: '2023-06-24T13:57:12Z' }));
    expect(ev.data).toMatchObject({ status_id: 3, activity_id: 3 });
    expect(ev.type).toBe('secorch.finding.resolved');
  });
});
