import { fixtureJson } from '../../../test/fixtures';
import type { Finding } from '../ocsf';
import { githubMapper } from './index';

// Real payload from octokit/webhooks (an older, minimal alert: no state, html_url or timestamps).
type Payload = { action: string; alert: Record<string, unknown>; [k: string]: unknown };
const reopened = () => fixtureJson<Payload>('events/github-secret_scanning_alert-reopened.payload.json');
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);

const map = (payload: unknown) =>
  githubMapper({ event: 'secret_scanning_alert', deliveryId: 'd-191', payload, receivedAt: RECEIVED });
const data = (payload: unknown) => map(payload)?.data as Finding;
const withAction = (action: string, alert: Record<string, unknown> = {}) => {
  const p = reopened();
  p.action = action;
  Object.assign(p.alert, alert);
  return p;
};

describe('GitHub secret_scanning_alert', () => {
  test('reopened: an updated High Detection Finding, open again, timed at receipt', () => {
    const ev = map(reopened());
    expect(ev).toMatchObject({ type: 'secorch.finding.updated', subject: 'github:Codertocat/Hello-World:secret_scanning_alert:191' });
    expect(ev?.time).toBeUndefined();
    expect(ev?.data).toMatchObject({
      class_uid: 2004,
      activity_id: 2,
      type_uid: 200402,
      severity_id: 4,
      severity: 'High',
      status_id: 1,
      time: RECEIVED,
      finding_info: {
        uid: 'github:Codertocat/Hello-World:secret_scanning_alert:191',
        title: 'Exposed secret: adafruit_io_key',
        analytic: { uid: 'adafruit_io_key', type_id: 1 },
        // The payload has no html_url: the documented alert URL is derived from the repository's.
        src_url: 'https://github.com/Codertocat/Hello-World/security/secret-scanning/191',
      },
      metadata: { uid: 'd-191', product: { name: 'GitHub Secret Scanning', vendor_name: 'GitHub' } },
      resources: [{ type: 'repository', uid: 'Codertocat/Hello-World', name: 'Codertocat/Hello-World' }],
    });
  });

  test('created: created, at created_at, with the display name and the first location', () => {
    const ev = map(withAction('created', {
      state: 'open',
      created_at: '2020-11-06T18:48:51Z',
      secret_type_display_name: 'Adafruit IO Key',
      first_location_detected: { path: 'config/keys.js', start_line: 3, end_line: 3, commit_sha: 'abc123' },
    }));
    expect(ev).toMatchObject({ type: 'secorch.finding.created', time: '2020-11-06T18:48:51.000Z' });
    const f = ev?.data as Finding;
    expect(f).toMatchObject({ activity_id: 1, status_id: 1, finding_info: { title: 'Exposed secret: Adafruit IO Key' } });
    expect(f.resources?.[1]).toEqual({
      type: 'file',
      uid: 'Codertocat/Hello-World:config/keys.js',
      name: 'config/keys.js',
      data: { commit_sha: 'abc123', start_line: 3, end_line: 3 },
    });
  });

  test('resolved as false positive: resolved, Suppressed, at resolved_at', () => {
    const ev = map(withAction('resolved', { state: 'resolved', resolution: 'false_positive', resolved_at: '2020-11-07T09:00:00Z' }));
    expect(ev).toMatchObject({ type: 'secorch.finding.resolved', time: '2020-11-07T09:00:00.000Z' });
    expect(ev?.data).toMatchObject({ activity_id: 3, status_id: 3, status: 'Suppressed', status_detail: 'false_positive' });
  });

  test('revoked (older action: resolution "revoked") closes the alert as Resolved', () => {
    const ev = map(withAction('revoked', { resolution: 'revoked', resolved_at: '2020-11-07T09:00:00Z' }));
    expect(ev?.type).toBe('secorch.finding.resolved');
    expect(ev?.data).toMatchObject({ activity_id: 3, status_id: 4, status: 'Resolved', status_detail: 'revoked' });
  });

  test.each([
    ['validated', { validity: 'active' }, 5],
    ['validated', { validity: 'inactive' }, 2],
    ['validated', { validity: 'unknown' }, 4],
    ['publicly_leaked', {}, 5],
    ['assigned', { publicly_leaked: true }, 5],
  ])('%s with %o: updated, severity %i', (action, alert, severityId) => {
    const ev = map(withAction(action, alert));
    expect(ev?.type).toBe('secorch.finding.updated');
    expect((ev?.data as Finding).severity_id).toBe(severityId);
  });

  test('validity and push-protection facts go to unmapped; the secret itself never leaves', () => {
    const secret = 'aio_FAKE0123456789abcdefSECRET';
    const f = data(withAction('validated', { secret, validity: 'active', push_protection_bypassed: true }));
    expect(f.unmapped).toEqual({ validity: 'active', push_protection_bypassed: true });
    expect(JSON.stringify(f)).not.toContain(secret);
  });
});
