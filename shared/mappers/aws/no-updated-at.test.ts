import type { Finding } from '../ocsf';
import type { MappedEvent } from '../types';
import { mapAsffFinding } from './asff';
import { mapAwsFindingEvent } from './eventbridge';
import { guardDutyAsff, guardDutyNative, importedEvent, type Json } from './fixtures.testkit';
import { securityhubMapper } from './index';

// A finding without UpdatedAt (the provider left it out) has nothing that tells one state of it
// from the next: it gets no key, and the caller derives the CloudEvent id from the delivery (the
// EventBridge event id), which a redelivery keeps. Its time is the EventBridge event's, on the
// CloudEvent and in the OCSF data alike.
const RECEIVED = Date.UTC(2026, 0, 2, 3, 4, 5);
const ENVELOPE_TIME = '2021-01-01T00:00:00Z';
const noUpdatedAt = (fields: Json = {}): Json => {
  const f: Json = { ...guardDutyAsff(), ...fields };
  delete f.UpdatedAt;
  return f;
};
const viaEventBridge = (event: Json): MappedEvent => {
  const result = mapAwsFindingEvent(event, RECEIVED);
  if (result.kind !== 'findings') throw new Error(result.kind);
  return result.events[0]!;
};

describe('a finding without UpdatedAt', () => {
  test('in an EventBridge event: no key; the event time is the envelope\'s, in the OCSF data too', () => {
    const ev = viaEventBridge({ ...importedEvent([noUpdatedAt()]), time: ENVELOPE_TIME });
    expect(ev.key).toBeUndefined();
    expect(ev.time).toBe('2021-01-01T00:00:00.000Z');
    expect((ev.data as Finding).time).toBe(Date.parse(ENVELOPE_TIME));
    expect((ev.data as Finding).metadata.logged_time).toBe(RECEIVED);
    expect((ev.data as Finding).metadata).not.toHaveProperty('original_time');
  });

  test('a GuardDuty finding event without updatedAt: the same', () => {
    const detail = guardDutyNative();
    delete detail.updatedAt;
    const ev = viaEventBridge({ ...importedEvent(), source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', time: ENVELOPE_TIME, detail });
    expect(ev.key).toBeUndefined();
    expect(ev.time).toBe('2021-01-01T00:00:00.000Z');
    expect((ev.data as Finding).time).toBe(Date.parse(ENVELOPE_TIME));
  });

  test('an envelope time in a leap second reads as the second before it; an unreadable one is not used', () => {
    const leap = viaEventBridge({ ...importedEvent([noUpdatedAt()]), time: '2016-12-31T23:59:60Z' });
    expect(leap.time).toBe('2016-12-31T23:59:59.000Z');
    expect((leap.data as Finding).time).toBe(Date.parse('2016-12-31T23:59:59Z'));
    const unreadable = viaEventBridge({ ...importedEvent([noUpdatedAt()]), time: '12' });
    expect(unreadable.time).toBeUndefined();
    expect((unreadable.data as Finding).time).toBe(RECEIVED);
  });

  test('posted on its own (no envelope): no key, no event time, the OCSF time is the time received', () => {
    const ev = mapAsffFinding(noUpdatedAt(), { receivedAt: RECEIVED })!;
    expect(ev.key).toBeUndefined();
    expect(ev.time).toBeUndefined();
    expect((ev.data as Finding).time).toBe(RECEIVED);
    const listed = securityhubMapper({ deliveryId: 'd-1', payload: { Findings: [noUpdatedAt()] }, receivedAt: RECEIVED }) as MappedEvent[];
    expect(listed[0]!.key).toBeUndefined();
  });

  test('with UpdatedAt, the key and time are UpdatedAt\'s whatever the envelope says', () => {
    const ev = viaEventBridge({ ...importedEvent(), time: ENVELOPE_TIME });
    expect(ev.key).toMatch(/@2020-09-30T12:14:00.206Z#[0-9a-f]{16}$/);
    expect(ev.time).toBe('2020-09-30T12:14:00.206Z');
    expect((ev.data as Finding).time).toBe(Date.parse('2020-09-30T12:14:00.206Z'));
  });
});
