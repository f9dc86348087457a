import { testDeps } from '../../../test/deps';
import { startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import type { Config } from '../../config/schema';
import type { CloudEvent } from '../../events/cloudevent';
import { createIdentitySyncJob, identitySyncJobSchema } from '../../schedules/jobs/identity-sync';
import type { SourcePage, UserObservation } from '../identity/types';
import { type Harness, harness } from '../transport.testkit';
import { type FakeAuth0, fakeAuth0 } from './auth0.testkit';
import { auth0DestinationSchema } from './config';
import { type Auth0SyncOptions, auth0Source } from './source';
import { auth0Transport } from './transport';
import { auth0Observation, type Auth0User } from './user';

/**
 * Identity sync of an Auth0 stand-in tenant (auth0.testkit.ts, export.testkit.ts): the
 * Management API on one local server, export files on another (the storage host), the connector
 * harness's clock and sleep (waits move the clock, nothing waits in real time).
 */
export interface Rig {
  vendor: VendorServer;
  storage: VendorServer;
  h: Harness;
  tenant: FakeAuth0;
  /** The Auth0 source alone, with export options over the defaults. */
  source(o?: Partial<Omit<Auth0SyncOptions, 'export'>>, exports?: Partial<Auth0SyncOptions['export']>): ReturnType<typeof auth0Source>;
  /** The identity-sync job over the tenant; `run(deadline)` is one scheduled run. */
  job(settings?: Record<string, unknown>): { bus: { events: CloudEvent[] }; run(deadline?: number): Promise<unknown> };
  close(): Promise<void>;
}

/** Users with every shape the mapping meets: blocked or not (or unset), 0, 1 or 2 factors (or none listed), no name, no email. */
export function varied(users: Auth0User[]): Auth0User[] {
  users.forEach((u, i) => {
    if (i % 7 === 0) u.blocked = true;
    if (i % 23 === 0) delete u.blocked;
    if (i % 5 === 0) delete u.multifactor;
    if (i % 11 === 0) u.multifactor = ['guardian', 'sms'];
    if (i % 13 === 0) u.multifactor = [];
    if (i % 17 === 0) delete u.name;
    if (i % 19 === 0) delete u.email;
  });
  return users;
}

export async function startRig(count: number): Promise<Rig> {
  const vendor = await startVendorServer();
  const storage = await startVendorServer();
  const h = harness();
  const tenant = fakeAuth0(count);
  varied(tenant.users);
  tenant.install(vendor, storage);
  const destination = auth0DestinationSchema.parse({ type: 'auth0', baseUrl: vendor.url, clientId: 'm2m-1', clientSecret: 'auth0-client-secret-1' });
  return {
    vendor, storage, h, tenant,
    source: (o = {}, exports = {}) => {
      const t = auth0Transport('auth0-prod', destination, { http: h.http, clock: h.clock, logger: h.logger }, { sleep: h.sleep, random: () => 0.5 });
      return auth0Source(t, { ...o, export: { http: h.http, clock: h.clock, sleep: h.sleep, logger: h.logger, maxWaitMs: 600_000, ...exports } });
    },
    job(settings = {}) {
      const d = Object.assign(testDeps().deps, { http: h.http, logger: h.logger, clock: h.clock });
      d.config = { ...d.config, destinations: { 'auth0-prod': destination } } as unknown as Config;
      const runner = createIdentitySyncJob({ sleep: h.sleep, random: () => 0.5 });
      const config = identitySyncJobSchema.parse({ type: 'identity-sync', provider: 'auth0', destination: 'auth0-prod', ...settings });
      const run = (deadline = h.clock.now() + 3_600_000) => runner.run(config, { schedule: 'auth0-users', tenant: 'default', due: 0, deadline }, d);
      return { bus: d.bus as unknown as { events: CloudEvent[] }, run };
    },
    close: async () => {
      await h.close();
      await Promise.all([vendor.close(), storage.close()]);
    },
  };
}

/** The pages a source yields from `resume`, stopping after `max` as a run at its deadline does. */
export async function read(pages: AsyncIterable<SourcePage>, max = Infinity): Promise<SourcePage[]> {
  const out: SourcePage[] = [];
  for await (const page of pages) {
    out.push(page);
    if (out.length >= max) break;
  }
  return out;
}

export const idsOf = (pages: SourcePage[]) => pages.flatMap((p) => p.users.map((u) => u.id));
const byId = (a: UserObservation, b: UserObservation) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
export const sorted = (users: UserObservation[]) => [...users].sort(byId);

/** What the listing's mapping gives for the users as GET /api/v2/users returns them (JSON). */
export const listed = (users: Auth0User[]) => users.map((u) => auth0Observation(JSON.parse(JSON.stringify(u)) as Auth0User));
