import { fixtureJson } from '../../../test/fixtures';
import { validateCloudEvent } from '../../events/cloudevent';
import { mappedEvents, type MappedEvent } from '../types';
import { GD_ARN, guardDutyAsff, importedEvent, trivyVulns, type Json } from './fixtures.testkit';
import { mapAwsFindingEvent, securityhubMapper } from './index';

const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const viaWebhook = (payload: unknown) => securityhubMapper({ event: undefined, deliveryId: 'd-9', payload, receivedAt: RECEIVED });

describe('securityhub mapper (ASFF over a webhook)', () => {
  test('an EventBridge event forwarded by an API destination: one event per finding', () => {
    const out = viaWebhook(importedEvent([guardDutyAsff(), ...trivyVulns()])) as MappedEvent[];
    expect(out).toHaveLength(5);
    expect(out[0]?.subject).toBe(GD_ARN);
    expect(out.map((e) => (e.data as { class_uid: number }).class_uid)).toEqual([2004, 2002, 2002, 2002, 2002]);
  });

  test('a { Findings: [...] } document (Trivy output, BatchImportFindings body) and a single finding', () => {
    const doc = fixtureJson<Json>('scanner/trivy-alpine-310.asff.json');
    const list = viaWebhook(doc) as MappedEvent[];
    expect(list).toHaveLength(4);
    expect((list[0]?.data as { metadata: Json }).metadata).toMatchObject({ uid: 'd-9' });
    expect(viaWebhook({ findings: trivyVulns() })).toHaveLength(4);
    const single = viaWebhook(guardDutyAsff());
    expect(Array.isArray(single)).toBe(false);
    expect((single as MappedEvent).subject).toBe(GD_ARN);
  });

  test.each([
    ['a non-object', 'text'],
    ['a list', [guardDutyAsff()]],
    ['another EventBridge event', fixtureJson('events/aws-eventbridge-base.json')],
    ['findings that are not findings', { Findings: [null, 1, {}, { Id: 'x' }] }],
    ['an object without Id', { Title: 'no id' }],
  ])('%s gives undefined', (_name, payload) => {
    expect(viaWebhook(payload)).toBeUndefined();
  });
});

describe('EventBridge findings events', () => {
  test('other detail-types, and the right detail-type from another source, are not ours', () => {
    expect(mapAwsFindingEvent(fixtureJson('events/aws-eventbridge-base.json'), RECEIVED)).toEqual({ kind: 'unknown' });
    expect(mapAwsFindingEvent({ ...importedEvent(), source: 'custom.app' }, RECEIVED)).toEqual({ kind: 'unknown' });
    expect(mapAwsFindingEvent({ ...importedEvent(), 'detail-type': 'Security Hub Insight Results' }, RECEIVED)).toEqual({ kind: 'unknown' });
  });

  test('entries that are not findings are skipped and counted; none at all is malformed', () => {
    expect(mapAwsFindingEvent(importedEvent([null, guardDutyAsff(), { Id: 'no-product' }]), RECEIVED)).toMatchObject({ kind: 'findings', skipped: 2 });
    for (const detail of [undefined, null, {}, { findings: [] }, { findings: 'x' }, { findings: [{}] }]) {
      expect(mapAwsFindingEvent({ ...importedEvent(), detail }, RECEIVED)).toMatchObject({ kind: 'malformed' });
    }
  });

  test('no field of the fixture, replaced by a value of the wrong type, makes the mapping throw', () => {
    const JUNK: unknown[] = [null, 0, -1, 'x', '', true, [], {}, [null], 'constructor', '2020-13-45T99:99:99Z'];
    let calls = 0;
    const walk = (path: string[], node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      for (const key of Object.keys(node)) {
        for (const junk of JUNK) {
          const finding = guardDutyAsff();
          let target = finding as Json;
          for (const step of path) target = target[step] as Json;
          target[key] = junk;
          for (const ev of mappedEvents(viaWebhook(importedEvent([finding])))) {
            expect(validateCloudEvent({ specversion: '1.0', id: '1', source: 'aws.securityhub', ...ev, key: undefined })).toEqual([]);
            expect(JSON.parse(JSON.stringify(ev.data))).toEqual(ev.data);
          }
          calls++;
        }
        walk([...path, key], (node as Json)[key]);
      }
    };
    walk([], guardDutyAsff());
    expect(calls).toBeGreaterThan(500);
  });
});
