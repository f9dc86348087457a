import { FIXTURES, fixtureJson } from '../../../test/fixtures';
import { loadSpec } from '../../../test/support/openapi';
import { reply, startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import { testDeps } from '../../../test/deps';
import type { Config } from '../../config/schema';
import type { CloudEvent } from '../../events/cloudevent';
import type { HttpClient } from '../../ports/http';
import { servicenowSyncJob, servicenowSyncJobSchema } from '../../schedules/jobs/servicenow-sync';
import { memoryStore } from '../../store/memory';
import { type Harness, harness } from '../transport.testkit';
import { servicenowDestinationSchema } from './config';
import { createRecord } from './create-record';
import { servicenowDestination } from './destination';
import { fakeInstance } from './instance.testkit';
import { queryRecords } from './query-records';
import { servicenowTransport } from './transport';

/**
 * Every request the connector sends, and every answer it parses, checked against the OpenAPI
 * description of the Table API in ../shared/fixtures/vendors/servicenow (Itential's ServiceNow
 * Madrid adapter, Apache-2.0; see SOURCES.md there). Its paths sit under /api.
 */
const DESCRIPTION = `${FIXTURES}/vendors/servicenow/itential_servicenow_madrid_openapi.json`;
/**
 * The description declares only sysparm_query on GET /now/table/{tableName}; the Table API
 * reference documents these too
 * (https://www.servicenow.com/docs/bundle/latest/page/integrate/inbound-rest/concept/c_TableAPI.html#table-GET).
 */
const spec = loadSpec(DESCRIPTION, { basePath: '/api', documentedQuery: ['sysparm_limit', 'sysparm_offset', 'sysparm_fields', 'sysparm_exclude_reference_link'] });

interface Exchange { method: string; url: string; body?: unknown; status: number; answer: unknown }

/** deps.http that records each Table API exchange as sent and as answered. */
function recording(inner: HttpClient): HttpClient & { log: Exchange[] } {
  const log: Exchange[] = [];
  return {
    log,
    async fetch(input, init) {
      const res = await inner.fetch(input, init);
      const url = String(input);
      if (new URL(url).pathname.startsWith('/api/')) {
        const text = await res.clone().text();
        log.push({ method: init?.method ?? 'GET', url, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined, status: res.status, answer: text ? JSON.parse(text) : undefined });
      }
      return res;
    },
  };
}

let vendor: VendorServer;
let h: Harness;
beforeEach(async () => {
  vendor = await startVendorServer();
  h = harness();
});
afterEach(async () => {
  await h.close();
  await vendor.close();
});

const finding = (id: string, transition: string, minute = 0): CloudEvent => ({
  specversion: '1.0', id, source: '//secorch/webhooks/github', type: `secorch.finding.${transition}`, subject: 'f-1', tenant: 'acme', time: new Date(Date.UTC(2030, 0, 1, 0, minute)).toISOString(),
  data: { severity: 'High', finding_info: { uid: 'f-1', title: 'Open S3 bucket' } },
});

/**
 * POST and PUT bodies are declared as `application/json` with no schema (`{}`), so the kit checks
 * method, path and parameters; the body is checked here against the Table API's documented shape:
 * name-value pairs with string values.
 */
function requestProblems(x: Exchange): string[] {
  const line = spec.requestProblems({ method: x.method, url: x.url, body: x.body });
  if (x.body === undefined) return line;
  const pairs = typeof x.body === 'object' && x.body !== null && !Array.isArray(x.body) && Object.values(x.body).length > 0 && Object.values(x.body).every((v) => typeof v === 'string');
  return pairs ? line : [...line, `${x.method} ${x.url}: body is not name-value pairs of strings`];
}

/**
 * The description types a listing's `result` as one record (its getIncidents schema is a single
 * change request); the Table API answers a listing with an array of them. Each entry is checked
 * as that record.
 */
function answerProblems(x: Exchange): string[] {
  const result = (x.answer as { result?: unknown }).result;
  if (x.method === 'GET' && Array.isArray(result)) return result.flatMap((r) => spec.responseProblems(x, x.status, { result: r }));
  return spec.responseProblems(x, x.status, x.answer);
}

test('the destination, the sync job and the readiness check send only what the description allows, and get answers it validates', async () => {
  fakeInstance(vendor, { clock: h.clock });
  const http = recording(h.http);
  const snow = servicenowDestinationSchema.parse({
    type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' },
    fields: { assignmentGroup: 'Security Operations', category: 'security', caller: 'secorch.bot' },
  });
  const { deps } = testDeps();
  Object.assign(deps, { http, clock: h.clock, config: { destinations: { snow } } as unknown as Config });
  const deliver = servicenowDestination('snow', snow, { transport: { sleep: h.sleep } });
  // e4: the finding reported open again, which reopens the record.
  for (const [id, transition, minute] of [['e1', 'created', 0], ['e2', 'updated', 1], ['e3', 'resolved', 2], ['e4', 'updated', 3]] as const) await deliver(finding(id, transition, minute), deps);
  const job = servicenowSyncJobSchema.parse({ type: 'servicenow-sync', destination: 'snow', pageSize: 1 });
  await servicenowSyncJob.run(job, { schedule: 's', tenant: 'acme', due: 0, deadline: h.clock.now() + 60_000 }, deps);
  expect((await servicenowTransport('snow', snow, { ...deps, http }).check()).ok).toBe(true);

  expect(http.log.map((x) => `${x.method} ${new URL(x.url).pathname}`)).toEqual([
    'GET /api/now/table/incident', 'POST /api/now/table/incident', 'PUT /api/now/table/incident/00000000000000000000000000000001',
    'GET /api/now/table/incident/00000000000000000000000000000001', 'PUT /api/now/table/incident/00000000000000000000000000000001',
    'GET /api/now/table/incident/00000000000000000000000000000001', 'PUT /api/now/table/incident/00000000000000000000000000000001', 'PUT /api/now/table/incident/00000000000000000000000000000001',
    'GET /api/now/table/incident', 'GET /api/now/table/incident', 'GET /api/now/table/incident',
  ]);
  for (const x of http.log) {
    expect(requestProblems(x)).toEqual([]);
    expect(answerProblems(x)).toEqual([]);
  }
});

test('a recorded create answer (and a recorded listing) parse: sys_id, number, reference fields as { link, value }', async () => {
  const created = fixtureJson<{ result: Record<string, unknown> }>('vendors/servicenow/itential_table_createRecordInTable.json');
  const listed = fixtureJson<{ result: Record<string, unknown>[] }>('vendors/servicenow/itential_table_queryTableByName.json');
  vendor.on('POST /api/now/table/:table', reply.json(created, 201));
  vendor.on('GET /api/now/table/:table', reply.json(listed));
  const t = servicenowTransport('snow', servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'u', password: 'p' } }), { ...h, store: memoryStore(h.clock) });
  expect(await createRecord(t, 'incident', { short_description: 'Create Table Record' })).toMatchObject({ sys_id: '03dbb48fdb040010a704fe1b6896191b', number: 'INC0010019' });
  const page = (await queryRecords(t, 'incident', { query: '', fields: [], limit: 10_000 }).next()).value!;
  expect(page.items).toHaveLength(listed.result.length);
  expect(page.items[0]).toMatchObject({ number: 'INC0000060', resolved_by: { value: '5137153cc611227c000bbd1bd8cd2007' } });
  // The recorded answer departs from the description only where the instance sends "" for an
  // empty reference or date, which the description types as an object or a date-time.
  const problems = spec.responseProblems({ method: 'POST', url: `${vendor.url}/api/now/table/incident` }, 201, created);
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) expect(p).toMatch(/body\/result\/(\w+) (must be object|must match format "date-time")$/);
});
