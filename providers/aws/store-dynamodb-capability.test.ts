import { createHash, randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { testDeps } from '../../test/deps';
import { getDeadLetter, keepDeadLetter, listDeadLetters, rawBody } from '../../shared/deadletters/store';
import { fanOut } from '../../shared/delivery/engine/fanout';
import { seedSubscription } from '../../shared/delivery/engine/testkit';
import { eventRef, keys } from '../../shared/delivery/keys';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { dynamoStore } from './store-dynamodb';
import { type Dynalite, startDynalite, withEmulatedTransactions } from './store-dynamodb.testkit';

/**
 * The capabilities that lost data on AWS while the DynamoDB store refused values over its 400 KB
 * item limit, run on that store (dynalite, TransactWriteItems emulated at the SDK): a verified
 * webhook too large for the bus is kept as a dead letter (and its sender told not to retry), and
 * the router stores every event before creating its deliveries (the SQS bus carries up to 1 MiB).
 */
let dyn: Dynalite;
let client: DynamoDBClient;
let table: string;
beforeAll(async () => {
  dyn = await startDynalite();
  client = dyn.client;
});
afterAll(() => dyn.close());
beforeEach(async () => {
  table = await dyn.freshTable();
});
afterEach(() => dyn.dropTable(table));

function onDynamo() {
  const t = testDeps();
  t.deps.store = dynamoStore({ table, client: withEmulatedTransactions(client), clock: t.clock });
  return t;
}
const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('a 600 KB webhook body kept as a dead letter (base64 when not UTF-8, text otherwise) reads back byte for byte', async () => {
  const { deps, clock } = onDynamo();
  const binary = new Uint8Array(randomBytes(600 * 1024));
  const text = new TextEncoder().encode(JSON.stringify({ findings: 'é🔐'.repeat(100 * 1024) }));
  expect(text.length).toBeGreaterThan(600 * 1024);
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

test('fanOut of a 600 KB event stores the event and creates its delivery', async () => {
  const { deps } = onDynamo();
  const { sub } = await seedSubscription(deps, { url: 'https://hooks.example.com/large' });
  const event: CloudEvent = {
    specversion: '1.0', id: 'e-large', source: 'test/scanner', type: 'secorch.finding.created', tenant: 'default',
    datacontenttype: 'application/json', data: { report: 'x'.repeat(600 * 1024) },
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
