import { HttpRequest, InvocationContext } from '@azure/functions';
import { storageIngest } from '../../functions/storage-ingest/handler';
import { EMPTY_SARIF, INVALID_SARIF, ingestDeps, REPORT_FINDINGS } from '../../functions/storage-ingest/ingest.testkit';
import { listDeadLetters } from '../../shared/deadletters/store';
import { errors } from '../../shared/errors';
import { fixtureBytes, fixtureJson } from '../../test/fixtures';
import { azuriteContainer } from './azurite-queue.testkit';
import { azureEventGrid, eventGridWebhook, ingestDeadLetters } from './event-grid';
import { azureHttp } from './http';
import { blobObjects } from './objects-blob';
import { blobEventAccount, connectionAccount, sameAccountOnly } from './storage-account';

/**
 * The real Event Grid events of ../shared/fixtures/events (BlobCreated in both schemas, the
 * subscription validation event) through the real @azure/functions request and context classes,
 * with real scanner reports stored under the container and blob each event names.
 */
const TRIVY = 'scanner/trivy-fluentd-gems.json';
const EG_SCHEMA = 'events/azure-eventgrid-schema-blobcreated.json';
const CE_SCHEMA = 'events/azure-eventgrid-cloudevent-schema-blobcreated.json';
const ctx = () => new InvocationContext({ invocationId: 'inv-1', functionName: 'storageIngest', logHandler: () => undefined });
const setup = (config: Record<string, unknown> = {}) => {
  const t = ingestDeps(config);
  const webhook = azureHttp(eventGridWebhook(storageIngest, ingestDeadLetters), async () => t.deps);
  const post = async (body: Uint8Array | string, headers: Record<string, string> = {}) => {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const out = await webhook(new HttpRequest({ method: 'POST', url: 'https://app.azurewebsites.net/ingest/eventgrid?code=k', headers: { 'content-type': 'application/json', ...headers }, body: { bytes } }), ctx());
    const text = out.body instanceof Uint8Array ? Buffer.from(out.body).toString('utf8') : '';
    return { status: out.status, headers: new Headers(out.headers as HeadersInit), text };
  };
  return { ...t, webhook, post, trigger: azureEventGrid(storageIngest, async () => t.deps, ingestDeadLetters) };
};
/** The inbound dead letters of a tenant, as /dead-letters lists them. */
const deadLetters = async (t: ReturnType<typeof setup>, tenant: string) => (await listDeadLetters(t.deps, tenant)).items.map((i) => i.record);
/** Makes every write of the state store fail, as when the table is unreachable. */
const storeDown = (t: ReturnType<typeof setup>) => {
  t.deps.store = { ...t.deps.store, put: async () => { throw errors.unavailable('store_unavailable', 'The state store did not answer'); } };
};
/** Not a storage notification: storage-ingest refuses it with invalid_event, which no retry mends. */
const NOT_A_NOTIFICATION = { id: 'e-1', hello: 'world' };

describe('Event Grid trigger (app.eventGrid) + storage-ingest', () => {
  test.each([['Event Grid schema', EG_SCHEMA], ['CloudEvents schema', CE_SCHEMA]])('%s: the blob is ingested once', async (_s, file) => {
    const t = setup();
    await t.put('test-container', 'new-file.txt', TRIVY);
    const [event] = fixtureJson<unknown[]>(file);
    await expect(t.trigger(event, ctx())).resolves.toBeUndefined();
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
    await t.trigger(event, ctx());
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
  });

  test('a transient failure is thrown so Event Grid retries', async () => {
    const t = setup();
    await t.put('test-container', 'new-file.txt', TRIVY);
    t.bus.failAt(1);
    await expect(t.trigger(fixtureJson<unknown[]>(EG_SCHEMA)[0], ctx())).rejects.toMatchObject({ retryable: true });
    expect(await deadLetters(t, 'default')).toEqual([]);
  });

  // Event Grid retries a failed Azure Function delivery for up to a day (30 attempts), then
  // dead-letters it only when the subscription has a dead-letter destination, else drops it; a
  // function cannot answer the 400 that would stop the retries. A final failure is kept here instead.
  test('a failure no retry mends is kept as an inbound dead letter of the ingest tenant and acknowledged', async () => {
    const t = setup({ ingest: { tenant: 'acme' } });
    await expect(t.trigger(NOT_A_NOTIFICATION, ctx())).resolves.toBeUndefined();
    const kept = await deadLetters(t, 'acme');
    expect(kept).toMatchObject([{ kind: 'notification', tenant: 'acme', encoding: 'utf8', reason: { code: 'invalid_event' } }]);
    expect(JSON.parse(kept[0]!.body)).toEqual(NOT_A_NOTIFICATION);
    // Event Grid's retries of the same event count on that record.
    await t.trigger(NOT_A_NOTIFICATION, ctx());
    expect((await deadLetters(t, 'acme')).map((d) => d.failures)).toEqual([2]);
  });

  test('a final failure that cannot be kept either is thrown, so Event Grid retries it', async () => {
    const t = setup();
    storeDown(t);
    await expect(t.trigger(NOT_A_NOTIFICATION, ctx())).rejects.toMatchObject({ code: 'invalid_event' });
  });
});

describe('Event Grid webhook (HTTP) + storage-ingest', () => {
  test('subscription validation (Event Grid schema): the code is echoed', async () => {
    const t = setup();
    const res = await t.post(fixtureBytes('events/azure-eventgrid-subscription-validation-event.json'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    expect(t.bus.events).toEqual([]);
  });

  test('CloudEvents abuse protection: OPTIONS from Event Grid is granted, another origin is refused', async () => {
    const t = setup();
    const options = (origin: string) => t.webhook(new HttpRequest({ method: 'OPTIONS', url: 'https://app.azurewebsites.net/ingest/eventgrid', headers: { 'webhook-request-origin': origin } }), ctx());
    const ok = await options('eventgrid.azure.net');
    expect(ok.status).toBe(200);
    expect(new Headers(ok.headers as HeadersInit).get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect((await options('evil.example')).status).toBe(403);
  });

  test.each([['Event Grid schema', EG_SCHEMA], ['CloudEvents schema', CE_SCHEMA]])('%s batch delivered over HTTP: findings published, 200', async (_s, file) => {
    const t = setup();
    await t.put('test-container', 'new-file.txt', TRIVY);
    const res = await t.post(fixtureBytes(file));
    expect(res.status).toBe(200);
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
  });

  test('an invalid SARIF is quarantined and an empty one left, each with a failed event; both answered 200', async () => {
    const t = setup();
    const [event] = fixtureJson<{ subject: string }[]>(EG_SCHEMA);
    await t.put('test-container', 'bad.sarif', INVALID_SARIF);
    await t.put('test-container', 'clean.sarif', EMPTY_SARIF);
    const events = [
      { ...event, id: 'e1', subject: '/blobServices/default/containers/test-container/blobs/bad.sarif' },
      { ...event, id: 'e2', subject: '/blobServices/default/containers/test-container/blobs/clean.sarif' },
    ];
    expect((await t.post(JSON.stringify(events))).status).toBe(200);
    expect(t.system('failed').map((e) => (e.data as { code: string }).code)).toEqual(['report_invalid', 'report_empty']);
    expect([...t.objects.buckets.get('test-container')!.keys()].sort()).toEqual(['clean.sarif', 'quarantine/bad.sarif']);
  });

  test('a transient failure answers 503 (Event Grid retries); a body that is not JSON 400', async () => {
    const t = setup();
    await t.put('test-container', 'new-file.txt', TRIVY);
    t.bus.failAt(1);
    expect((await t.post(fixtureBytes(EG_SCHEMA))).status).toBe(503);
    expect((await t.post('not json')).status).toBe(400);
    expect(await deadLetters(t, 'default')).toEqual([]);
  });

  test('an event no retry mends is kept as an inbound dead letter and the delivery answered 200, not 400 (dropped without a dead-letter destination)', async () => {
    const t = setup({ ingest: { tenant: 'acme' } });
    await t.put('test-container', 'new-file.txt', TRIVY);
    const res = await t.post(JSON.stringify([NOT_A_NOTIFICATION, fixtureJson<unknown[]>(EG_SCHEMA)[0]]));
    expect([res.status, JSON.parse(res.text)]).toEqual([200, { accepted: 1, deadLettered: 1 }]);
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
    const kept = await deadLetters(t, 'acme');
    expect(kept).toMatchObject([{ kind: 'notification', reason: { code: 'invalid_event' } }]);
    expect(JSON.parse(kept[0]!.body)).toEqual(NOT_A_NOTIFICATION);
  });

  test('an event no retry mends that cannot be kept either answers 503, so Event Grid retries the delivery', async () => {
    const t = setup();
    storeDown(t);
    expect((await t.post(JSON.stringify([NOT_A_NOTIFICATION]))).status).toBe(503);
  });
});

/**
 * Container names repeat across storage accounts, and the events name their account apart from
 * the container (Event Grid schema `topic`, CloudEvents schema `source`): against the real
 * Azurite blob service, whose development account is the one the function reads.
 */
describe('BlobCreated events of another storage account than the one blobs are read from', () => {
  const { connectionString, container } = azuriteContainer('eg-account');
  const reads = () => connectionAccount(connectionString);
  const inAccount = <T extends Record<string, unknown>>(e: T, account: string): T => {
    const id = `/subscriptions/s-1/resourceGroups/Storage/providers/Microsoft.Storage/storageAccounts/${account}`;
    return { ...e, ...('topic' in e ? { topic: id } : { source: id }), subject: `/blobServices/default/containers/${container}/blobs/new-file.txt` };
  };
  const setupOnAzurite = async () => {
    const t = ingestDeps();
    const objects = blobObjects({ connectionString });
    await objects.put(container, 'new-file.txt', fixtureBytes(TRIVY));
    const deps = async () => ({ ...t.deps, objects });
    const ingest = sameAccountOnly(storageIngest, reads);
    return { ...t, trigger: azureEventGrid(ingest, deps), webhook: azureHttp(eventGridWebhook(ingest), deps) };
  };
  const post = async (webhook: ReturnType<typeof azureHttp>, events: unknown[]) =>
    (await webhook(new HttpRequest({ method: 'POST', url: 'https://app.azurewebsites.net/ingest/eventgrid?code=k', headers: { 'content-type': 'application/json' }, body: { string: JSON.stringify(events) } }), ctx())).status;

  test('the account comes from the connection string (Azurite: devstoreaccount1) and from the event (both schemas)', () => {
    expect(reads()).toBe('devstoreaccount1');
    expect([EG_SCHEMA, CE_SCHEMA].map((f) => blobEventAccount(fixtureJson<unknown[]>(f)[0]))).toEqual(['my-storage-account', 'my-storage-account']);
    expect(blobEventAccount(fixtureJson<unknown[]>('events/azure-eventgrid-subscription-validation-event.json')[0])).toBeUndefined();
  });

  test.each([
    ['DefaultEndpointsProtocol=https;AccountName=ReportsProd;AccountKey=a2V5;EndpointSuffix=core.windows.net', 'reportsprod'],
    ['BlobEndpoint=https://reportsprod.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=x', 'reportsprod'],
    ['BlobEndpoint=https://reports.contoso.com;AccountName=reportsprod;AccountKey=a2V5', 'reportsprod'],
    ['BlobEndpoint=http://localhost:10000/devstoreaccount1;SharedAccessSignature=sig=x', 'devstoreaccount1'],
    ['UseDevelopmentStorage=true', 'devstoreaccount1'],
    ['BlobEndpoint=https://reports.contoso.com/;SharedAccessSignature=sig=x', undefined],
  ])('the account of %s is %s', (cs, account) => {
    expect(connectionAccount(cs)).toBe(account);
  });

  test('an account that cannot be told (a custom-domain SAS connection) lets every event through', async () => {
    const t = ingestDeps();
    await t.put(container, 'new-file.txt', TRIVY);
    const trigger = azureEventGrid(sameAccountOnly(storageIngest, () => undefined), async () => t.deps);
    await trigger(inAccount(fixtureJson<Record<string, unknown>[]>(EG_SCHEMA)[0]!, 'reportsprod'), ctx());
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
  });

  test.each([['Event Grid schema', EG_SCHEMA], ['CloudEvents schema', CE_SCHEMA]])('%s trigger: refused (retryable, naming both accounts), nothing read; the same event from the account is ingested', async (_s, file) => {
    const t = await setupOnAzurite();
    const [event] = fixtureJson<Record<string, unknown>[]>(file);
    await expect(t.trigger(inAccount(event!, 'reportsprod'), ctx())).rejects.toMatchObject({
      code: 'storage_account_mismatch', retryable: true, message: expect.stringMatching(/"reportsprod".*"devstoreaccount1"/),
    });
    expect(t.bus.events).toEqual([]);
    await t.trigger(inAccount(event!, 'DevStoreAccount1'), ctx());
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
  });

  test('webhook: a batch with an event of another account answers 503 (Event Grid retries the batch)', async () => {
    const t = await setupOnAzurite();
    const [event] = fixtureJson<Record<string, unknown>[]>(EG_SCHEMA);
    expect(await post(t.webhook, [inAccount(event!, 'reportsprod')])).toBe(503);
    expect(t.bus.events).toEqual([]);
    expect(await post(t.webhook, [inAccount(event!, 'devstoreaccount1')])).toBe(200);
    expect(t.findings()).toHaveLength(REPORT_FINDINGS[TRIVY]);
  });
});
