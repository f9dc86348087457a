import { type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { memoryStore } from '../../store/memory';
import type { Harness } from '../transport.testkit';
import { servicenowDestinationSchema } from './config';
import { eachFakeInstance, type FakeInstance } from './instance.testkit';
import { servicenowTickets } from './tickets';
import { servicenowTransport } from './transport';

/** ServiceNow as a ticket system against a local Table API (instance.testkit.ts, a stand-in: no ServiceNow emulator exists). */
let vendor: VendorServer;
let h: Harness;
let sn: FakeInstance;

eachFakeInstance((kit) => ({ vendor, h, sn } = kit));

const event = (id: string, transition: string): CloudEvent => ({
  specversion: '1.0', id, source: '//secorch/webhooks/github', type: `secorch.finding.${transition}`, subject: 'f-1', tenant: 'acme',
  data: { severity: 'High', finding_info: { uid: 'f-1', title: 'AWS key committed' } },
});

function system(extra: Record<string, unknown> = {}) {
  const config = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' }, ...extra });
  const store = memoryStore(h.clock);
  return servicenowTickets(servicenowTransport('snow', config, { ...h, store }, { sleep: h.sleep, random: () => 0 }), config, store, 'acme');
}

test('a record deleted in the instance: work note and resolve fail for good with an error naming the record, not the path or baseUrl', async () => {
  const s = system();
  const ref = await s.create('f-1', event('e1', 'created'));
  sn.rows.length = 0;
  for (const attempt of [() => s.update(ref, event('e2', 'updated')), () => s.resolve(ref, event('e3', 'resolved')), () => s.reopen(ref, event('e4', 'updated'))]) {
    const err = await attempt().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'connector_not_found', retryable: false, facts: { ticket: 'INC0010001', vendorStatus: 404 },
      message: expect.stringMatching(new RegExp(`^snow: INC0010001 \\(sys_id ${ref.id}\\) is no longer in incident: deleted, or hidden from the account by an ACL: No Record found`)),
    });
  }
});

test('reopen: a resolved, active record goes back to reopen.state with a work note; any other active state needs nothing', async () => {
  const s = system({ reopen: { state: '1', workNote: 'Back: {{ subject }}' } });
  const ref = await s.create('f-1', event('e1', 'created'));
  expect(await s.reopen(ref, event('e2', 'updated'))).toEqual({ kind: 'open' });
  sn.change(ref.id, { state: '3' });
  expect(await s.reopen(ref, event('e3', 'updated'))).toEqual({ kind: 'open' });
  await s.resolve(ref, event('e4', 'resolved'));
  expect(await s.reopen(ref, event('e5', 'updated'))).toEqual({ kind: 'reopened', status: '1' });
  expect([sn.rows[0]!.state, sn.rows[0]!.active]).toEqual(['1', 'true']);
  expect(sn.notes.get(ref.id)).toEqual(['Back: f-1']);
});

test('reopen of an inactive record (Closed, Canceled) writes nothing: it is final, naming its state', async () => {
  const s = system();
  const ref = await s.create('f-1', event('e1', 'created'));
  sn.change(ref.id, { state: '8' });
  const before = { ...sn.rows[0]! };
  expect(await s.reopen(ref, event('e2', 'updated'))).toEqual({ kind: 'final', reason: 'snow: INC0010001 is inactive (state 8) and the instance keeps it read-only' });
  expect(sn.rows[0]).toEqual(before);
  // A new record for the finding names it.
  const fresh = await s.create('f-1', event('e2', 'updated'), { replaces: ref });
  expect(sn.notes.get(fresh.id)).toEqual(['Opened by secorch in place of INC0010001, which is closed and can no longer be reopened: finding f-1 was reported open again.']);
});

test('a data policy refusing the reopen says which setting to fix', async () => {
  const s = system();
  const ref = await s.create('f-1', event('e1', 'created'));
  await s.resolve(ref, event('e2', 'resolved'));
  vendor.queue('PUT /api/now/table/:table/:id', { status: 403, json: { error: { message: 'Operation Failed', detail: 'Data Policy Exception: \n\tThe following fields are mandatory: Assigned to\n' }, status: 'failure' } });
  const err = await s.reopen(ref, event('e3', 'updated')).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'connector_rejected', message: expect.stringMatching(/^snow: the instance's data policy refused reopening the record \(.*\); set reopen.state to a state the instance accepts without further fields$/s) });
});
