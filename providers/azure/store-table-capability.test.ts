import { createHash, randomBytes } from 'node:crypto';
import { testDeps } from '../../test/deps';
import { getDeadLetter, keepDeadLetter, listDeadLetters, rawBody } from '../../shared/deadletters/store';
import { fanOut } from '../../shared/delivery/engine/fanout';
import { seedSubscription } from '../../shared/delivery/engine/testkit';
import { eventRef, keys } from '../../shared/delivery/keys';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { tableStore } from './store-table';
import { rawClient, tableName } from './store-table.testkit';

/**
 * The capabilities that lost data on Azure while the Table store refused values over one
 * entity (about 480 Ki code units), run on that store against Azurite: a verified webhook that
 * could not be processed is kept as a dead letter with its raw body (the webhook body limit is
 * 1 MiB by default), and the router stores every event before creating its deliveries (the
 * Storage Queue bus carries events of any size by claim-check).
 */
const MiB = 1024 * 1024;
let table: string;
beforeEach(async () => {
  table = tableName();
  await rawClient(table).createTable();
});
afterEach(() => rawClient(table).deleteTable());

function onTable() {
  const t = testDeps();
  t.deps.store = tableStore({ client: rawClient(table), clock: t.clock });
  return t;
}
const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('a 1 MiB webhook body kept as a dead letter (base64 when not UTF-8, text otherwise) reads back byte for byte', async () => {
  const { deps, clock } = onTable();
  const binary = new Uint8Array(randomBytes(MiB));
  // 2-, 4- and 3-byte characters and quotes (escaped again in the record's JSON): 1 MiB less 8 bytes.
  const text = new TextEncoder().encode(JSON.stringify({ findings: 'é🔐中"'.repeat(95_323) }));
  expect(text.length).toBe(MiB - 8);
  const reason = { code: 'event_too_large', message: 'too large for the bus' };
  const kept = [];
  for (const body of [binary, text]) {
    kept.push(await keepDeadLetter(deps, { tenant: 'acme', kind: 'webhook', source: 'github', reason, body }));
    clock.advance(1000); // dead letters list oldest first
  }
  expect(kept.map((k) => k.encoding)).toEqual(['base64', 'utf8']);
  for (const [i, body] of [binary, text].entries()) {
    const found = await getDeadLetter(deps, 'acme', kept[i]!.id);
    expect(found?.record.id).toBe(kept[i]!.id);
    expect(digest(rawBody(found!.record))).toBe(digest(body));
  }
  const listed = await listDeadLetters(deps, 'acme');
  expect(listed.items.map((i) => digest(rawBody(i.record)))).toEqual([digest(binary), digest(text)]);
});

test('fanOut of a 700 KB event stores the event and creates its delivery', async () => {
  const { deps } = onTable();
  const { sub } = await seedSubscription(deps, { url: 'https://hooks.example.com/large' });
  const event: CloudEvent = {
    specversion: '1.0', id: 'e-large', source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default',
    datacontenttype: 'application/json', data: { report: 'x'.repeat(700 * 1000) },
  };
  const { created, existing } = await fanOut(event, deps);
  expect(created.map((d) => d.subscriptionId)).toEqual([sub.id]);
  expect(existing).toBe(0);
  const stored = await deps.store.get(keys.event('default', eventRef(event.source, event.id)));
  expect(stored?.value.length).toBe(JSON.stringify(event).length);
  expect(stored?.value === JSON.stringify(event)).toBe(true);
  expect(await deps.store.get(keys.delivery('default', created[0]!.id))).toBeDefined();
  // A redelivered router message creates nothing new.
  expect(await fanOut(event, deps)).toEqual({ created: [], existing: 1 });
});
