import { testDeps } from '../../test/deps';
import type { DeliveryDeps } from '../../shared/delivery/engine/deps';
import { fanOut } from '../../shared/delivery/engine/fanout';
import { guardedDeliveryClient } from '../../shared/http/delivery-client';
import type { StateStore } from '../../shared/ports/store';
import { recordWrites, withResponses } from '../../shared/delivery/attempt-log';
import { eventRef, keys, sortableId } from '../../shared/delivery/keys';
import type { Delivery } from '../../shared/delivery/model';
import { httpRouter } from '../../shared/http/router';
import { retentionSeconds } from './records';
import { apiRoutes } from './routes';

/** Test helpers of the REST API: two tenants' keys, a read-only key, a resend-only key, requests through the router. */
export const KEY = {
  acme: 'acme-admin-key-0123456789abcdef',
  globex: 'globex-admin-key-0123456789abcdef',
  reader: 'acme-reader-key-0123456789abcdef',
  publisher: 'acme-publisher-key-0123456789abcdef',
  operator: 'acme-operator-key-0123456789abcdef',
} as const;

export const apiConfig = {
  api: {
    keys: {
      'acme-admin': { key: KEY.acme, tenant: 'acme' },
      'globex-admin': { key: KEY.globex, tenant: 'globex' },
      'acme-reader': { key: KEY.reader, tenant: 'acme', scopes: ['subscriptions:read', 'deliveries:read'] },
      'acme-publisher': { key: KEY.publisher, tenant: 'acme', scopes: ['events:write'] },
      'acme-operator': { key: KEY.operator, tenant: 'acme', scopes: ['deliveries:write'] },
    },
  },
};

export function apiDeps(config: Record<string, unknown> = {}) {
  return testDeps({ ...apiConfig, ...config });
}

const router = httpRouter(apiRoutes);

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request through the router (problem+json rendering included). `key: null` sends no Authorization. */
export async function call(deps: Parameters<typeof router>[1], method: string, path: string, opts: CallOptions = {}) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const key = opts.key === undefined ? KEY.acme : opts.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' || opts.body instanceof Uint8Array ? (opts.body as BodyInit) : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await router(new Request(`https://api.example.com${path}`, { method, headers, body }), deps);
  const text = await res.text();
  const json = text === '' ? undefined : (JSON.parse(text) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, json: json!, text };
}

/**
 * A delivery record as the engine writes it (attempt responses apart), and its event as fan-out
 * keeps it (for the retention), `createdAt` at `at`. `inline`: as versions before kept it, with
 * the responses in the record.
 */
export async function seedDelivery(deps: Parameters<typeof router>[1], over: Partial<Delivery> & { subscriptionId: string }, at = deps.clock.now(), { inline = false } = {}) {
  const tenant = over.tenant ?? 'acme';
  const iso = new Date(at).toISOString();
  const d: Delivery = {
    id: sortableId('msg_', at), tenant, eventId: `evt-${at}`, eventType: 'secorch.finding.created', status: 'failed',
    attempts: [{ n: 1, at: iso, status: 500, durationMs: 12, responseBody: 'oops', responseHeaders: { 'content-type': 'text/plain' } }],
    createdAt: iso, updatedAt: iso, lastError: 'HTTP 500', ...over,
  };
  const opts = { ttlSeconds: 30 * 86400 };
  const key = keys.delivery(tenant, d.id);
  await deps.store.putAll(inline ? [{ key, value: JSON.stringify(d), opts }] : recordWrites(key, d, opts, opts.ttlSeconds));
  const event = { specversion: '1.0', id: d.eventId, source: d.eventSource ?? 'test', type: d.eventType, tenant, data: {} };
  await deps.store.put(keys.event(tenant, eventRef(d.eventSource, d.eventId)), JSON.stringify(event), { ttlSeconds: retentionSeconds(deps) });
  return d;
}

/** A delivery as stored, with its attempts' responses (kept apart from the record): what GET /deliveries/{id} reads. */
export async function storedDelivery(deps: Parameters<typeof router>[1], id: string, tenant = 'acme'): Promise<Delivery & { lease?: unknown }> {
  const item = await deps.store.get(keys.delivery(tenant, id));
  if (!item) throw new Error(`no delivery ${id}`);
  return withResponses(deps.store, JSON.parse(item.value) as Delivery);
}

/**
 * The API and the delivery engine on one store, the clock at the real time (receivers check
 * signature timestamps), the real egress-guarded client allowed to reach 127.0.0.1; `send`
 * fans an event of the tenant acme out. The deadline is far from what a loaded machine takes to
 * answer from 127.0.0.1: a timed-out attempt would be a retry where a test expects a success.
 */
export function apiAndEngine(config: Record<string, unknown> = {}) {
  const { deps: base, clock } = apiDeps({ egress: { allowPrivate: ['127.0.0.0/8'] }, ...config });
  clock.set(Date.now()); // eslint-disable-line no-restricted-properties -- test support: the clock starts at the real time
  const outbound = guardedDeliveryClient({ allowPrivate: ['127.0.0.0/8'], timeoutMs: 10_000 });
  const deps: DeliveryDeps = { ...base, sealer: base.sealer, outbound, random: () => 0.5 };
  const send = (id: string) => fanOut({ specversion: '1.0', id, source: 'ci', type: 'secorch.finding.created', tenant: 'acme', data: { id } }, deps);
  return { deps, clock, send, close: () => outbound.close() };
}

/** Counts what the store hands back (gets and lists): the characters of the values, and the items listed. */
export function countReads(store: StateStore) {
  const read = { chars: 0, items: 0 };
  const get = store.get.bind(store);
  const list = store.list.bind(store);
  store.get = async (key) => {
    const item = await get(key);
    read.chars += item?.value.length ?? 0;
    return item;
  };
  store.list = async (prefix, opts) => {
    const page = await list(prefix, opts);
    for (const i of page.items) read.chars += i.value.length;
    read.items += page.items.length;
    return page;
  };
  return read;
}
