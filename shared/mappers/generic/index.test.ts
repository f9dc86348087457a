import { fixtureJson } from '../../../test/fixtures';
import { validateCloudEvent } from '../../events/cloudevent';
import type { Finding } from '../ocsf';
import type { MappedEvent } from '../types';
import { genericMapper, genericMapperSchema } from './index';

// A real payload (octokit/webhooks, see ../../../../shared/fixtures/SOURCES.md) read through
// configured paths, as a user would for a sender no named mapper knows.
type Payload = { action: string; alert: Record<string, unknown>; [k: string]: unknown };
const alert = () => fixtureJson<Payload>('events/github-code_scanning_alert-created.payload.json');
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const CONFIG = {
  type: 'generic',
  product: { name: 'Code Scanning', vendor: 'GitHub' },
  uid: ['repository.full_name', 'alert.number'],
  title: 'alert.rule.description',
  description: 'alert.rule.full_description',
  url: 'alert.html_url',
  time: 'alert.created_at',
  severity: { path: 'alert.rule.severity', map: { error: 'high', warning: 3, note: 'low' } },
  status: { path: 'alert.state', map: { dismissed: 'suppressed' } },
  event: { path: 'action', map: { created: 'created', fixed: 'resolved', closed_by_user: 'resolved' }, default: 'updated' },
  resource: { type: 'repository', uid: 'repository.full_name', name: 'repository.name' },
};
const build = (overrides: Record<string, unknown> = {}) => genericMapper(genericMapperSchema.parse({ ...CONFIG, ...overrides }));
const map = (payload: unknown, overrides?: Record<string, unknown>) =>
  build(overrides)({ event: 'code_scanning_alert', deliveryId: 'd-1', payload, receivedAt: RECEIVED }) as MappedEvent | undefined;
const data = (payload: unknown, overrides?: Record<string, unknown>) => map(payload, overrides)?.data as Finding;

describe('generic mapper', () => {
  test('the configured fields become a Detection Finding; the event follows the action map', () => {
    const ev = map(alert());
    expect(ev).toMatchObject({ type: 'secorch.finding.created', subject: 'Codertocat/Hello-World:10', time: '2021-02-11T03:10:43.000Z' });
    expect(ev?.data).toMatchObject({
      class_uid: 2004, activity_id: 1, type_uid: 200401,
      severity_id: 4, severity: 'High', status_id: 1, status: 'New', status_detail: 'open',
      time: Date.UTC(2021, 1, 11, 3, 10, 43),
      finding_info: {
        uid: 'Codertocat/Hello-World:10',
        title: 'Query built from user-controlled sources',
        desc: expect.stringContaining('Building a SQL or Java Persistence query'),
        src_url: 'https://github.com/Codertocat/Hello-World/security/code-scanning/10',
      },
      resources: [{ type: 'repository', uid: 'Codertocat/Hello-World', name: 'Hello-World' }],
      metadata: { version: '1.3.0', product: { name: 'Code Scanning', vendor_name: 'GitHub' }, uid: 'd-1', event_code: 'code_scanning_alert' },
    });
    expect(validateCloudEvent({ specversion: '1.0', id: '1', source: '/s', ...ev })).toEqual([]);
  });

  test('the same alert later: same uid and subject; a mapped closing action resolves it', () => {
    const p = alert();
    Object.assign(p, { action: 'closed_by_user' });
    Object.assign(p.alert, { state: 'dismissed' });
    const ev = map(p);
    expect(ev).toMatchObject({ type: 'secorch.finding.resolved', subject: map(alert())?.subject });
    expect(ev?.data).toMatchObject({ activity_id: 3, status_id: 3, status: 'Suppressed', status_detail: 'dismissed' });
    p.action = 'reopened_by_user';
    expect(map(p)?.type).toBe('secorch.finding.updated'); // not in the map: the default
  });

  test('without an event setting: resolved when the status closes the finding, else updated; a constant wins', () => {
    const p = alert();
    expect(map(p, { event: undefined })?.type).toBe('secorch.finding.updated');
    p.alert.state = 'fixed'; // a built-in status word
    expect(map(p, { event: undefined, status: 'alert.state' })).toMatchObject({ type: 'secorch.finding.resolved', data: { status_id: 4 } });
    expect(map(p, { event: 'created' })?.type).toBe('secorch.finding.created');
  });

  test.each([
    [{ path: 'alert.rule.severity' }, 'error', 0], // no map, not a severity word
    [{ path: 'alert.rule.severity' }, 'Critical', 5], // OCSF caption, any case
    [{ path: 'alert.rule.severity' }, 'moderate', 3], // vendor word
    [{ path: 'alert.rule.severity', map: { ERROR: 99 } }, 'error', 99], // map keys are case-insensitive
    ['alert.rule.severity', 'informational', 1],
  ])('severity %o with value %p -> %i', (severity, value, id) => {
    const p = alert();
    (p.alert.rule as Record<string, unknown>).severity = value;
    expect(data(p, { severity }).severity_id).toBe(id);
  });

  test('epoch times in seconds or milliseconds; without a time, receivedAt and no event time', () => {
    const p = alert();
    p.alert.created_at = 1700000000;
    expect(map(p)?.time).toBe('2023-11-14T22:13:20.000Z');
    p.alert.created_at = 1700000000123;
    expect(data(p).time).toBe(1700000000123);
    delete p.alert.created_at;
    expect(map(p)?.time).toBeUndefined();
    expect(data(p).time).toBe(RECEIVED);
  });

  test('a time a Date cannot hold is no time: the finding keeps receivedAt instead of the mapper throwing', () => {
    const p = alert();
    for (const t of [1e20, -1e20, 8.64e15 + 1, Number.MAX_VALUE, '1e400']) {
      p.alert.created_at = t;
      expect(map(p)?.time).toBeUndefined();
      expect(data(p).time).toBe(RECEIVED);
    }
    const asEvent = genericMapper(genericMapperSchema.parse({ type: 'generic', as: 'event', time: 'alert.created_at' }));
    expect(() => asEvent({ payload: { alert: { created_at: 1e20 } }, receivedAt: RECEIVED })).not.toThrow();
  });

  test('a time after 9999 is no time: its ISO form (+YYYYYY) is no RFC 3339 time for the CloudEvent', () => {
    const p = alert();
    // Microseconds read as milliseconds are the year 55840; 10000-01-01 in milliseconds.
    for (const t of [1700000000000000, '1700000000000000', 253402300800000, -1e12]) {
      p.alert.created_at = t;
      expect(map(p)?.time).toBeUndefined();
      expect(data(p).time).toBe(RECEIVED);
    }
    p.alert.created_at = 253402300799999;
    expect(map(p)?.time).toBe('9999-12-31T23:59:59.999Z');
  });

  test('epoch seconds or milliseconds sent as numeric strings are times; other digits are not dates', () => {
    const p = alert();
    p.alert.created_at = '1700000000';
    expect(map(p)?.time).toBe('2023-11-14T22:13:20.000Z');
    p.alert.created_at = '1700000000123';
    expect(data(p).time).toBe(1700000000123);
    p.alert.created_at = '1700000000.5';
    expect(data(p).time).toBe(1700000000500);
    // Date.parse alone reads "12" as 2001-12-01 and "build 42" as 2042-01-01.
    p.alert.created_at = 'build 42';
    expect(map(p)?.time).toBeUndefined();
  });

  test('an RFC 3339 time with an offset is converted; one without a zone is UTC whatever the host zone', () => {
    const p = alert();
    p.alert.created_at = '2024-01-01T10:00:00+02:00';
    expect(map(p)?.time).toBe('2024-01-01T08:00:00.000Z');
    p.alert.created_at = '2024-01-01 10:00:00';
    expect(map(p)?.time).toBe('2024-01-01T10:00:00.000Z');
  });

  test('a uid of several parts is one per list of values: a ":" or "%" inside a part is escaped, so no two lists join alike', () => {
    const mapper = genericMapper(genericMapperSchema.parse({ ...CONFIG, uid: ['a', 'b'] }));
    const uidOf = (a: unknown, b: unknown) => (mapper({ payload: { a, b }, receivedAt: RECEIVED }) as MappedEvent).data as Finding;
    const uids = [['x:y', 'z'], ['x', 'y:z'], ['x%3Ay', 'z'], ['x', 'y%3Az'], ['x', 'y'], ['10.0.0.1:443', 'CVE-1']].map(([a, b]) => uidOf(a, b).finding_info.uid);
    expect(uids).toEqual(['x%3Ay:z', 'x:y%3Az', 'x%253Ay:z', 'x:y%253Az', 'x:y', '10.0.0.1%3A443:CVE-1']);
    expect(new Set(uids).size).toBe(uids.length);
    // One part: the value as it is, colons and all.
    const single = genericMapper(genericMapperSchema.parse({ ...CONFIG, uid: 'a' }));
    expect(((single({ payload: { a: 'arn:aws:x:y' }, receivedAt: RECEIVED }) as MappedEvent).data as Finding).finding_info.uid).toBe('arn:aws:x:y');
  });

  test('a payload without every uid part is not a finding (undefined: published as received)', () => {
    const p = alert();
    delete p.alert.number;
    expect(map(p)).toBeUndefined();
    for (const junk of [null, 42, 'text', [], {}]) expect(map(junk)).toBeUndefined();
  });

  test('as: event passes the body through as secorch.webhook.received with subject and time', () => {
    const mapper = genericMapper(genericMapperSchema.parse({ type: 'generic', as: 'event', subject: 'action', time: 'alert.created_at' }));
    const p = alert();
    expect(mapper({ payload: p, receivedAt: RECEIVED })).toEqual({
      type: 'secorch.webhook.received', subject: 'created', time: '2021-02-11T03:10:43.000Z', data: p,
    });
    expect(mapper({ payload: 'plain', receivedAt: RECEIVED })).toEqual({ type: 'secorch.webhook.received', data: 'plain' });
  });
});
