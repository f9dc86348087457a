import { seedDelivery } from '../../functions/api/testkit';
import { SCOPES, type Scope } from '../../shared/auth/api-keys';
import type { DeadLetter } from '../../shared/deadletters/store';
import { keys, sortableId } from '../../shared/delivery/keys';
import type { Subscription } from '../../shared/delivery/model';
import { fixedClock } from '../../shared/ports';
import { memoryStore } from '../../shared/store/memory';
import { memoryBus, testDeps } from '../deps';

/**
 * The world of the REST API property test (./api.property.test.ts): two tenants and their API
 * keys, the configuration, the records seeded for each tenant, a fresh store and bus per request
 * (`world`), and what a request may change (`snapshot`).
 */

export const NOW = Date.parse('2026-01-01T00:00:00Z');

// --- keys: two tenants, one key per non-empty scope subset, plus an all-scopes key each -------

export const TENANTS = ['acme', 'globex'] as const;
export type Tenant = (typeof TENANTS)[number];
export const other = (t: Tenant): Tenant => (t === 'acme' ? 'globex' : 'acme');
const ALL = (1 << SCOPES.length) - 1;

export interface ApiKey {
  id: string;
  key: string;
  tenant: Tenant;
  scopes: readonly Scope[];
}
export const API_KEYS: ApiKey[] = TENANTS.flatMap((tenant) =>
  Array.from({ length: ALL }, (_, i) => {
    const mask = i + 1;
    const admin = mask === ALL;
    return {
      id: admin ? `${tenant}-admin` : `${tenant}-s${mask}`,
      key: `${tenant}-key-${String(mask).padStart(2, '0')}-0123456789abcdef`,
      tenant,
      scopes: SCOPES.filter((_s, bit) => mask & (1 << bit)),
    };
  }));
export const adminOf = (t: Tenant) => API_KEYS.find((k) => k.tenant === t && k.scopes.length === SCOPES.length)!;
const CONFIG = {
  api: {
    keys: Object.fromEntries(API_KEYS.map((k) => [k.id, k.scopes.length === SCOPES.length ? { key: k.key, tenant: k.tenant } : { key: k.key, tenant: k.tenant, scopes: k.scopes }])),
  },
};

// --- the seeded world: each tenant's subscriptions, deliveries and dead letters ---------------

/** Credential-looking values carry this marker; no answer may ever contain it. */
export const MARK = 'S3CR3T';
const fixedRandom = (n: number) => () => new Uint8Array(10).fill(n);
export const seedId = (prefix: string, tenant: Tenant, n: number) => sortableId(prefix, NOW - 3_600_000 + n * 1000, fixedRandom(tenant === 'acme' ? n : 16 + n));
export const SEEDED = Object.fromEntries(TENANTS.map((t) => [t, {
  sub: [seedId('sub_', t, 1), seedId('sub_', t, 2)],
  dlv: [seedId('msg_', t, 3), seedId('msg_', t, 4), seedId('msg_', t, 5)],
  dlq: [seedId('dlq_', t, 6), seedId('dlq_', t, 7), seedId('dlq_', t, 8)],
}])) as Record<Tenant, Record<'sub' | 'dlv' | 'dlq', string[]>>;
export const SEEDED_IDS = (t: Tenant) => Object.values(SEEDED[t]).flat();

const BASE = testDeps(CONFIG, {}, NOW);
type Deps = typeof BASE.deps;
let SEED: { key: string; value: string; ttlSeconds?: number }[] = [];

export async function seedWorld(): Promise<void> {
  const { deps } = BASE;
  const at = new Date(NOW - 3_600_000).toISOString();
  for (const t of TENANTS) {
    const [s1, s2] = SEEDED[t].sub as [string, string];
    for (const [id, extra] of [
      [s1, { headers: { authorization: `Bearer ${MARK}-${t}-a`, 'x-api-key': `${MARK}-${t}-b`, 'x-team': 'blue' }, filter: { prefix: { type: 'secorch.' } } }],
      [s2, { enabled: false, disabledReason: 'user', rateLimit: { perSecond: 5 } }],
    ] as const) {
      const sealed = await deps.sealer.seal(`whsec_${Buffer.alloc(32, id).toString('base64')}`, { tenant: t, subscription: id });
      const sub: Subscription = { id, tenant: t, url: `https://${t}.example.com/hook`, enabled: true, createdAt: at, updatedAt: at, secrets: [{ sealed, createdAt: at }], ...extra };
      await deps.store.put(keys.subscription(t, id), JSON.stringify(sub));
    }
    const [d1, d2, d3] = SEEDED[t].dlv as [string, string, string];
    await seedDelivery(deps, { id: d1, tenant: t, subscriptionId: s1, status: 'failed' }, NOW - 1_800_000);
    await seedDelivery(deps, { id: d2, tenant: t, subscriptionId: s1, status: 'succeeded', lastError: undefined }, NOW - 1_700_000);
    await seedDelivery(deps, { id: d3, tenant: t, subscriptionId: s2, status: 'pending', nextAttemptAt: new Date(NOW + 5000).toISOString() }, NOW - 1_600_000);
    const [q1, q2, q3] = SEEDED[t].dlq as [string, string, string];
    const event = JSON.stringify({ specversion: '1.0', id: `dl-${t}`, source: 'ci/scanner', type: 'secorch.finding.created', tenant: t, data: { n: 1 } });
    const letters: DeadLetter[] = [
      { id: q1, tenant: t, kind: 'event', reason: { code: 'publish_failed', message: 'bus down' }, receivedAt: at, body: event, encoding: 'utf8', replays: 0 },
      { id: q2, tenant: t, kind: 'event', reason: { code: 'invalid_event', message: 'poison' }, receivedAt: at, body: '{"not":"an event"', encoding: 'utf8', replays: 0 },
      { id: q3, tenant: t, kind: 'webhook', source: 'retired', reason: { code: 'mapper_failed', message: 'x' }, receivedAt: at, body: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), encoding: 'base64', headers: { 'content-type': 'application/json' }, signature: `sha256=${MARK}`, replays: 0 },
    ];
    for (const d of letters) await deps.store.put(keys.deadLetter(t, d.id), JSON.stringify(d), { ttlSeconds: 30 * 86400 });
  }
  SEED = (await dump(deps)).map((i) => ({ key: i.key, value: i.value, ttlSeconds: i.expiresAt === undefined ? undefined : (i.expiresAt - NOW) / 1000 }));
}

async function dump(deps: Deps) {
  const out: { key: string; value: string; expiresAt?: number }[] = [];
  for (let after: string | undefined; ;) {
    const page = await deps.store.list('', { limit: 1000, after });
    out.push(...page.items);
    if (page.next === undefined) return out;
    after = page.next;
  }
}

export interface World {
  deps: Deps;
  bus: ReturnType<typeof memoryBus>;
  /** Every id and its owner, seeded or created during the run: answers are checked against them. */
  owned: Map<string, Tenant>;
}

export async function world(): Promise<World> {
  const clock = fixedClock(NOW);
  const store = memoryStore(clock);
  for (const s of SEED) await store.put(s.key, s.value, s.ttlSeconds === undefined ? {} : { ttlSeconds: s.ttlSeconds });
  const bus = memoryBus();
  const owned = new Map<string, Tenant>();
  for (const t of TENANTS) for (const id of SEEDED_IDS(t)) owned.set(id, t);
  return { deps: { ...BASE.deps, clock, store, bus }, bus, owned };
}

/** What a request may change: every stored record (value and expiry) and the bus. */
export async function snapshot(w: World): Promise<string> {
  const items = await dump(w.deps);
  return `${items.map((i) => `${i.key}\t${i.expiresAt ?? ''}\t${i.value}`).join('\n')}\nbus:${w.bus.events.length}`;
}
