import { testDeps } from '../../test/deps';
import { eventRef, keys, sortableId } from '../../shared/delivery/keys';
import type { Delivery } from '../../shared/delivery/model';
import { httpRouter } from '../../shared/http/router';
import { retentionSeconds } from './records';
import { apiRoutes } from './routes';

/** Test helpers of the REST API: two tenants' keys, a read-only key, requests through the router. */
export const KEY = {
  acme: 'acme-admin-key-0123456789abcdef',
  globex: 'globex-admin-key-0123456789abcdef',
  reader: 'acme-reader-key-0123456789abcdef',
  publisher: 'acme-publisher-key-0123456789abcdef',
} as const;

export const apiConfig = {
  api: {
    keys: {
      'acme-admin': { key: KEY.acme, tenant: 'acme' },
      'globex-admin': { key: KEY.globex, tenant: 'globex' },
      'acme-reader': { key: KEY.reader, tenant: 'acme', scopes: ['subscriptions:read', 'deliveries:read'] },
      'acme-publisher': { key: KEY.publisher, tenant: 'acme', scopes: ['events:write'] },
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

/** A delivery record as the engine writes it, and its event as fan-out keeps it (for the retention), `createdAt` at `at`. */
export async function seedDelivery(deps: Parameters<typeof router>[1], over: Partial<Delivery> & { subscriptionId: string }, at = deps.clock.now()) {
  const tenant = over.tenant ?? 'acme';
  const iso = new Date(at).toISOString();
  const d: Delivery = {
    id: sortableId('msg_', at), tenant, eventId: `evt-${at}`, eventType: 'secorch.finding.created', status: 'failed',
    attempts: [{ n: 1, at: iso, status: 500, durationMs: 12, responseBody: 'oops', responseHeaders: { 'content-type': 'text/plain' } }],
    createdAt: iso, updatedAt: iso, lastError: 'HTTP 500', ...over,
  };
  await deps.store.put(keys.delivery(tenant, d.id), JSON.stringify(d), { ttlSeconds: 30 * 86400 });
  const event = { specversion: '1.0', id: d.eventId, source: d.eventSource ?? 'test', type: d.eventType, tenant, data: {} };
  await deps.store.put(keys.event(tenant, eventRef(d.eventSource, d.eventId)), JSON.stringify(event), { ttlSeconds: retentionSeconds(deps) });
  return d;
}
