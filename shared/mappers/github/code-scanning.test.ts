import { fixtureJson } from '../../../test/fixtures';
import type { Finding } from '../ocsf';
import { githubMapper } from './index';

// Real payloads from octokit/webhooks; see ../../../../shared/fixtures/SOURCES.md.
type Payload = { action: string; alert: Record<string, unknown>; [k: string]: unknown };
const created = () => fixtureJson<Payload>('events/github-code_scanning_alert-created.payload.json');
const fixed = () => fixtureJson<Payload>('events/github-code_scanning_alert-fixed.payload.json');
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);

const map = (payload: unknown, deliveryId = 'delivery-1') =>
  githubMapper({ event: 'code_scanning_alert', deliveryId, payload, receivedAt: RECEIVED });
const data = (payload: unknown) => map(payload)?.data as Finding;

describe('GitHub code_scanning_alert', () => {
  test('created: a new High Detection Finding for the CodeQL rule, at the alert creation time', () => {
    const ev = map(created(), '72d3162e-cc78-11e3-81ab-4c9367dc0958');
    expect(ev).toMatchObject({
      type: 'secorch.finding.created',
      subject: 'github:Codertocat/Hello-World:code_scanning_alert:10',
      time: '2021-02-11T03:10:43.000Z',
    });
    expect(ev?.data).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 200401,
      severity_id: 4, // rule.severity "error", no security_severity_level
      severity: 'High',
      status_id: 1,
      status: 'New',
      time: Date.UTC(2021, 1, 11, 3, 10, 43),
      finding_info: {
        uid: 'github:Codertocat/Hello-World:code_scanning_alert:10',
        title: 'Query built from user-controlled sources',
        desc: expect.stringContaining('Building a SQL or Java Persistence query'),
        analytic: { uid: 'java/sql-injection', name: 'java/sql-injection', type_id: 1 },
        created_time: Date.UTC(2021, 1, 11, 3, 10, 43),
        src_url: 'https://github.com/Codertocat/Hello-World/security/code-scanning/10',
      },
      metadata: {
        version: '1.3.0',
        uid: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        event_code: 'code_scanning_alert.created',
        original_time: '2021-02-11T03:10:43Z',
        product: { name: 'GitHub Code Scanning', vendor_name: 'GitHub', feature: { name: 'CodeQL' } },
      },
    });
  });

  test('created: the repository and the file location of the instance are resources', () => {
    expect(data(created()).resources).toEqual([
      expect.objectContaining({
        type: 'repository',
        uid: 'Codertocat/Hello-World',
        name: 'Codertocat/Hello-World',
        data: expect.objectContaining({ node_id: 'MDEwOlJlcG9zaXRvcnkzMzc5MTE2MzI=', id: 337911632 }),
      }),
      {
        type: 'file',
        uid: 'Codertocat/Hello-World:src/main/java/com/github/demo/service/BookService.java',
        name: 'src/main/java/com/github/demo/service/BookService.java',
        data: {
          ref: 'refs/heads/code-feature',
          commit_sha: '788437584c2522f27feab10d8e631bab3e9e783a',
          start_line: 84, end_line: 84, start_column: 51, end_column: 56,
        },
      },
    ]);
  });

  test('fixed: resolved, Close, Resolved, same finding uid as created; no sender time so receivedAt', () => {
    const ev = map(fixed());
    expect(ev?.type).toBe('secorch.finding.resolved');
    expect(ev?.subject).toBe(map(created())?.subject);
    expect(ev?.time).toBeUndefined();
    const f = ev?.data as Finding;
    expect(f).toMatchObject({ activity_id: 3, type_uid: 200403, status_id: 4, status: 'Resolved', time: RECEIVED });
    expect(f.finding_info.uid).toBe(data(created()).finding_info.uid);
    // most_recent_instance wins over the instance list
    expect(f.resources?.[1]?.data).toMatchObject({ ref: 'refs/pull/11/merge', commit_sha: '0048a27ccd962b83b1bd781bbc6f7e8fd1b2caea' });
    expect(f.metadata.original_time).toBeUndefined();
  });

  test('closed_by_user: resolved and Suppressed with the dismissal reason, at dismissed_at', () => {
    const p = created();
    Object.assign(p, { action: 'closed_by_user' });
    Object.assign(p.alert, { state: 'dismissed', dismissed_reason: 'false positive', dismissed_at: '2021-03-01T10:00:00Z' });
    const ev = map(p);
    expect(ev).toMatchObject({ type: 'secorch.finding.resolved', time: '2021-03-01T10:00:00.000Z' });
    expect(ev?.data).toMatchObject({ activity_id: 3, status_id: 3, status: 'Suppressed', status_detail: 'false positive' });
  });

  test.each(['reopened', 'reopened_by_user', 'appeared_in_branch', 'updated_assignment', 'some_future_action'])(
    '%s: updated, Update, New',
    (action) => {
      const p = created();
      p.action = action;
      const ev = map(p);
      expect(ev?.type).toBe('secorch.finding.updated');
      expect(ev?.data).toMatchObject({ activity_id: 2, type_uid: 200402, status_id: 1 });
    },
  );

  test('fixed while the alert is still open (fixed in one branch only) is an update, not a resolution', () => {
    const p = fixed();
    p.alert.state = 'open';
    expect(map(p)?.type).toBe('secorch.finding.updated');
    expect(data(p).status_id).toBe(1);
  });

  test.each([
    [{ security_severity_level: 'critical', severity: 'warning' }, 5, 'Critical'],
    [{ security_severity_level: 'medium', severity: 'error' }, 3, 'Medium'],
    [{ severity: 'warning' }, 3, 'Medium'],
    [{ severity: 'note' }, 2, 'Low'],
    [{ severity: 'constructor' }, 0, 'Unknown'],
  ])('rule %o -> severity %i', (rule, id, name) => {
    const p = created();
    p.alert.rule = { ...(p.alert.rule as object), security_severity_level: undefined, ...rule };
    expect(data(p)).toMatchObject({ severity_id: id, severity: name });
  });

  test('rule tags become finding types; a rule-less alert still maps with a fallback title', () => {
    const p = created();
    (p.alert.rule as Record<string, unknown>).tags = ['security', 'external/cwe/cwe-089'];
    expect(data(p).finding_info.types).toEqual(['security', 'external/cwe/cwe-089']);
    const bare = created();
    delete bare.alert.rule;
    const f = data(bare);
    expect(f).toMatchObject({ severity_id: 0, finding_info: { title: 'Code scanning alert 10' } });
    expect(f.finding_info.analytic).toBeUndefined();
  });
});
