import { startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import { memoryStore } from '../../store/memory';
import { type Harness, harness } from '../transport.testkit';
import { servicenowDestinationSchema } from './config';
import { fakeInstance, type FakeInstance, type Row } from './instance.testkit';
import { fieldValue, type SnRecord } from './records';
import { servicenowTransport } from './transport';
import { type SyncCursor, updatedPage } from './updated-since';

/**
 * The sync's listing against a local Table API (instance.testkit.ts, a stand-in: no ServiceNow
 * emulator exists), with rows a read ACL hides. The instance filters them out of each page after
 * sysparm_limit cut it (KB0718678), so a page can come back short or empty while more follows.
 */
let vendor: VendorServer;
let h: Harness;
let sn: FakeInstance;

beforeEach(async () => {
  vendor = await startVendorServer();
  h = harness();
});
afterEach(async () => {
  await h.close();
  await vendor.close();
});

function instance(hidden: (name: string) => boolean, count: number, link = true) {
  sn = fakeInstance(vendor, { clock: h.clock, link, hidden: (r: Row) => hidden(r.short_description!) });
  // A second apart, so the order (sys_updated_on, sys_id) is the insertion order.
  for (let i = 0; i < count; i++) {
    sn.insert({ correlation_display: 'secorch', short_description: `n${i}` });
    h.clock.advance(1000);
  }
  const config = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' } });
  return servicenowTransport('snow', config, { ...h, store: memoryStore(h.clock) }, { sleep: h.sleep, random: () => 0 });
}

const names = (rows: SnRecord[]) => rows.map((r) => sn.rows.find((x) => x.sys_id === r.sys_id)!.short_description);
const cursorOf = (r: SnRecord): SyncCursor => ({ on: fieldValue(r, 'sys_updated_on')!, id: r.sys_id });
const requests = () => vendor.requestsTo('GET /api/now/table/:table').map((r) => [r.query.get('sysparm_offset'), r.query.get('sysparm_query')!.includes('sys_id>')]);

test.each([true, false])('a whole page hidden by read ACLs is stepped over by offset, not taken for the end (Link header: %s)', async (link) => {
  // n0-n4 fill the first page and are all hidden; n7 is hidden inside the second.
  const t = instance((n) => ['n0', 'n1', 'n2', 'n3', 'n4', 'n7'].includes(n), 15, link);
  const first = await updatedPage(t, 'incident', undefined, 5);
  expect(names(first)).toEqual(['n5', 'n6', 'n8', 'n9', 'n10', 'n11', 'n12', 'n13', 'n14']);
  // Offset 0 (all hidden), the linked next page at offset 5 (short: n7 hidden), then a keyset query
  // after n9, the last record seen: offsets only where no record gave the keyset a place to resume.
  expect(requests()).toEqual([['0', false], ['5', false], ['0', true]]);
  expect(await updatedPage(t, 'incident', cursorOf(first.at(-1)!), 5)).toEqual([]);
});

test.each([true, false])('a short page is not the end: the sync reads every visible record once and stops at the real end (Link header: %s)', async (link) => {
  const hidden = (n: string) => Number(n.slice(1)) % 3 === 0 || (Number(n.slice(1)) >= 20 && Number(n.slice(1)) < 32);
  const t = instance(hidden, 40, link);
  // The sync job's loop (shared/schedules/jobs/servicenow-sync.ts): the cursor moves to the last
  // record of each answer, and an answer shorter than the page size ends the run.
  const seen: SnRecord[] = [];
  let cursor: SyncCursor | undefined;
  for (let round = 0; round < 40; round++) {
    const rows = await updatedPage(t, 'incident', cursor, 4);
    seen.push(...rows);
    if (rows.length > 0) cursor = cursorOf(rows.at(-1)!);
    if (rows.length < 4) break;
  }
  expect(names(seen)).toEqual(Array.from({ length: 40 }, (_, i) => `n${i}`).filter((n) => !hidden(n)));
});

test('records hidden up to the end of the listing: every page is read once, then an empty answer', async () => {
  const t = instance((n) => n !== 'n0', 11);
  const first = await updatedPage(t, 'incident', undefined, 3);
  expect(names(first)).toEqual(['n0']);
  const before = requests().length;
  expect(await updatedPage(t, 'incident', cursorOf(first[0]!), 3)).toEqual([]);
  // n1-n10 behind the cursor: pages at 0, 3, 6 and 9, and no further.
  expect(requests().slice(before)).toEqual([['0', true], ['3', true], ['6', true], ['9', true]]);
});
