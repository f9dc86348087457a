import { testDeps } from '../../../test/deps';
import { startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import type { Config } from '../../config/schema';
import type { StateStore } from '../../ports/store';
import { servicenowDestinationSchema } from '../../connectors/servicenow/config';
import { type FakeInstance, fakeInstance } from '../../connectors/servicenow/instance.testkit';
import { type Harness, harness } from '../../connectors/transport.testkit';
import { servicenowSyncJob, servicenowSyncJobSchema } from './servicenow-sync';

/**
 * A servicenow-sync schedule whose destination is pointed at other instances or tables, against
 * Table APIs on local vendor servers (instance.testkit.ts; no ServiceNow emulator exists). Each fake
 * instance counts sys_ids from 1, as a clone keeps the sys_ids of the instance it copies. Call it
 * at the top of a test file: it starts and closes the servers around each test.
 */
export function targetKit() {
  let h: Harness;
  let servers: VendorServer[] = [];
  beforeEach(() => {
    h = harness();
    servers = [];
  });
  afterEach(async () => {
    await h.close();
    for (const s of servers) await s.close();
  });

  async function instance(): Promise<FakeInstance & { vendor: VendorServer }> {
    const vendor = await startVendorServer();
    servers.push(vendor);
    return Object.assign(fakeInstance(vendor, { clock: h.clock }), { vendor });
  }

  function setup(pageSize = 100) {
    const { deps, bus } = testDeps();
    Object.assign(deps, { http: h.http, clock: h.clock, logger: h.logger });
    /** The schedule's destination is now this instance and table, as after an edited configuration. */
    const point = (sn: { vendor: VendorServer }, table = 'incident') => {
      const snow = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: sn.vendor.url, table, auth: { type: 'basic', username: 'svc', password: 'pw' } });
      deps.config = { destinations: { snow } } as unknown as Config;
    };
    const job = servicenowSyncJobSchema.parse({ type: 'servicenow-sync', destination: 'snow', pageSize, lookbackSeconds: 60 });
    /** A run of `schedule` (another schedule of the same tenant reading the same destination, unless `snow-sync`). */
    const runAs = (schedule: string, deadline = h.clock.now() + 60_000) => servicenowSyncJob.run(job, { schedule, tenant: 'default', due: h.clock.now(), deadline }, deps);
    const run = (deadline?: number) => runAs('snow-sync', deadline);
    const stored = async (schedule = 'snow-sync') => JSON.parse((await deps.store.get(`servicenow-sync:${schedule}:cursor`))!.value) as Record<string, unknown>;
    /** The target state shared by the tenant's schedules of the destination (servicenow-sync-shared.ts). */
    const shared = async () => JSON.parse((await deps.store.get('servicenow-sync-target:default:snow'))!.value) as Record<string, unknown>;
    const changes = () => bus.events.map((e) => [e.subject, (e.data as { from: string | null }).from, (e.data as { to: string }).to]);
    /** The per-record state keys, whatever their layout (the cursor aside). */
    const keys = async () => (await deps.store.list('servicenow-sync:', { limit: 1000 })).items.map((i) => i.key).filter((k) => !k.endsWith(':cursor')).sort();
    return { deps, bus, point, run, runAs, stored, shared, changes, keys };
  }

  return {
    get h() {
      return h;
    },
    instance,
    setup,
    warnings: () => h.logs.filter((l) => l.level === 'warn').map((l) => [l.msg, l.fields]),
  };
}

export const record = (uid: string) => ({ correlation_id: uid, correlation_display: 'secorch' });
export const queries = (sn: { vendor: VendorServer }) => sn.vendor.requestsTo('GET /api/now/table/:table').map((r) => [r.params.table, r.query.get('sysparm_query')]);
export const FROM_START = 'correlation_display=secorch^ORDERBYsys_updated_on^ORDERBYsys_id';
export const MOVED = 'servicenow-sync: the destination names another instance or table now; listing it from the first record (states recorded, not reported, on first sight) and the earlier states are deleted';
/** Digest keys of tenant `default` and destination `snow`: servicenow-sync:default@{digest}:snow:{sys_id}. */
/** The epoch a cursor names: any, as long as it is the shared record's (`expect(...).toEqual({ ..., epoch: EPOCH })`). */
export const EPOCH = expect.stringMatching(/^[0-9a-f-]{36}$/);
export const DIGEST_KEY = /^servicenow-sync:default@[0-9a-f]{16}:snow:[0-9a-f]{32}$/;

/**
 * A view of `store` in which a run takes a lease of its own instead of the one the tenant's runs
 * of the destination share (sync-lease.ts), as two overlapping runs do once one's lease lapsed (a
 * page that hung past it) and before it notices at its next renewal: for the defences that must
 * hold when runs overlap all the same.
 */
export function apartFromLease(store: StateStore): StateStore {
  const own = (key: string) => (key.startsWith('servicenow-sync-run:') ? `${key}:overlapping` : key);
  return { ...store, get: (k) => store.get(own(k)), put: (k, v, o) => store.put(own(k), v, o), delete: (k) => store.delete(own(k)) };
}
