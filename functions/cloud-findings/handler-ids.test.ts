import type { CloudEvent } from '../../shared/events/cloudevent';
import type { Finding } from '../../shared/mappers/ocsf';
import { guardDutyAsff, importedEvent, type Json } from '../../shared/mappers/aws/fixtures.testkit';
import { testDeps } from '../../test/deps';
import { cloudFindings } from './handler';

// CloudEvent ids and types across several EventBridge events about one finding, with the real
// GuardDuty ASFF fixture in the "Security Hub Findings - Imported" envelope.
const event = (id: string, time: string, findings: unknown[]): Json => ({ ...importedEvent(findings), id, time });
const publish = async (events: Json[]): Promise<CloudEvent[]> => {
  const t = testDeps();
  for (const [i, e] of events.entries()) await cloudFindings({ id: `r${i}`, body: JSON.stringify(e), attributes: {} }, t.deps);
  return t.bus.events;
};
const CREATED_AT = '2020-08-22T09:34:34.146Z';

describe('cloud-findings: one finding over several events', () => {
  test('an analyst note on a never re-imported NEW finding (UpdatedAt unmoved) is an update, not a second create', async () => {
    const first = { ...guardDutyAsff(), UpdatedAt: CREATED_AT };
    const noted = { ...first, Note: { Text: 'triaging', UpdatedBy: 'analyst', UpdatedAt: '2020-08-22T10:00:00Z' } };
    const [a, b] = await publish([event('e1', '2020-08-22T09:35:00Z', [first]), event('e2', '2020-08-22T10:00:01Z', [noted])]);
    expect(a!.type).toBe('secorch.finding.created');
    expect(b!.type).toBe('secorch.finding.updated');
    expect(b!.id).not.toBe(a!.id);
    expect((b!.data as Finding).activity_id).toBe(2);
  });

  test('without UpdatedAt: two events get two ids, a redelivered event its id again; CloudEvent and OCSF time are the envelope\'s', async () => {
    const a = guardDutyAsff();
    delete a.UpdatedAt;
    const b = { ...a, LastObservedAt: '2021-01-01T00:00:00Z', Resources: [] };
    const first = event('e1', '2021-01-01T00:00:00Z', [a]);
    const [x, y, again] = await publish([first, event('e2', '2021-02-01T00:00:00Z', [b]), first]);
    expect(y!.id).not.toBe(x!.id);
    expect(again!.id).toBe(x!.id);
    expect(x!.time).toBe('2021-01-01T00:00:00.000Z');
    expect((x!.data as Finding).time).toBe(Date.parse('2021-01-01T00:00:00Z'));
    expect(y!.time).toBe('2021-02-01T00:00:00.000Z');
    expect((y!.data as Finding).time).toBe(Date.parse('2021-02-01T00:00:00Z'));
  });

  test('without UpdatedAt, two events in the same second (the envelope time alone would collide) get two ids', async () => {
    const a = guardDutyAsff();
    delete a.UpdatedAt;
    const [x, y] = await publish([event('e1', '2021-01-01T00:00:00Z', [a]), event('e2', '2021-01-01T00:00:00Z', [{ ...a, LastObservedAt: '2021-01-01T00:00:00Z' }])]);
    expect(y!.id).not.toBe(x!.id);
  });

  test('without UpdatedAt, several findings of one event keep one id each', async () => {
    const a = guardDutyAsff();
    delete a.UpdatedAt;
    const b = { ...a, Id: `${String(a.Id)}-2` };
    const events = await publish([event('e1', '2021-01-01T00:00:00Z', [a, b])]);
    expect(events).toHaveLength(2);
    expect(events[0]!.id).not.toBe(events[1]!.id);
  });
});
