import { keys, sortableId } from '../delivery/keys';
import { redactText } from '../log/redact';
import type { Deps } from '../ports';

/**
 * Inbound dead letters: a verified webhook or a queued event that could not be processed, kept
 * with its raw body so it can be inspected and replayed through the API (`/dead-letters`).
 * Records live under `dlq:{tenant}:{id}` (shared/delivery/keys.ts), so another tenant's id is
 * never found, and expire with the delivery retention (config `deliveries.retentionDays`, 30 days).
 *
 * Headers: only what a replay needs is kept (the content type, and the verified delivery id and
 * event name). Signature and credential headers are not kept, since a replay does not verify
 * again; the verified signature is kept (`signature`) only so a replay of a delivery without an
 * id derives the same event ids, and the API never shows it.
 */
export interface DeadLetter {
  id: string;
  tenant: string;
  kind: 'webhook' | 'event';
  /** The webhook source id (kind webhook). */
  source?: string;
  reason: { code: string; message: string };
  receivedAt: string;
  /** The raw body: UTF-8 text when it is valid UTF-8, else base64. */
  body: string;
  encoding: 'utf8' | 'base64';
  /** Webhooks: content-type only. */
  headers?: Record<string, string>;
  /** Webhooks: what the verifier established. */
  deliveryId?: string;
  event?: string;
  /** Webhooks: the verified signature (internal; never returned by the API). */
  signature?: string;
  replays: number;
  lastReplayAt?: string;
}

export type NewDeadLetter = Omit<DeadLetter, 'id' | 'body' | 'encoding' | 'replays' | 'lastReplayAt' | 'receivedAt'> & {
  body: Uint8Array | string;
};

const DAY = 24 * 3600;
const retentionSeconds = (deps: Deps) => (deps.config.deliveries?.retentionDays ?? 30) * DAY;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Text stays readable; anything that is not valid UTF-8 is kept byte for byte as base64. */
export function encodeBody(body: Uint8Array | string): Pick<DeadLetter, 'body' | 'encoding'> {
  if (typeof body === 'string') return { body, encoding: 'utf8' };
  try {
    return { body: utf8.decode(body), encoding: 'utf8' };
  } catch {
    return { body: Buffer.from(body).toString('base64'), encoding: 'base64' };
  }
}

/** The raw bytes of a dead letter's body. */
export const rawBody = (d: Pick<DeadLetter, 'body' | 'encoding'>): Uint8Array =>
  d.encoding === 'base64' ? new Uint8Array(Buffer.from(d.body, 'base64')) : new TextEncoder().encode(d.body);

export async function keepDeadLetter(deps: Deps, input: NewDeadLetter): Promise<DeadLetter> {
  const now = deps.clock.now();
  const { body, ...rest } = input;
  // The reason is text from anywhere (a destination's error, a provider's): shown by the API to
  // any key with deliveries:read, it gets the log's redaction of credential URLs and secrets.
  const reason = { code: rest.reason.code, message: redactText(rest.reason.message) };
  const record: DeadLetter = { ...rest, reason, id: sortableId('dlq_', now), receivedAt: new Date(now).toISOString(), ...encodeBody(body), replays: 0 };
  await deps.store.put(keys.deadLetter(record.tenant, record.id), JSON.stringify(record), { ttlSeconds: retentionSeconds(deps) });
  deps.metrics.count('deadletters.kept', 1, { kind: record.kind });
  return record;
}

export async function getDeadLetter(deps: Deps, tenant: string, id: string): Promise<{ record: DeadLetter; version: string; expiresAt?: number } | undefined> {
  const item = await deps.store.get(keys.deadLetter(tenant, id));
  return item ? { record: JSON.parse(item.value) as DeadLetter, version: item.version, expiresAt: item.expiresAt } : undefined;
}

/** A page of the tenant's dead letters, oldest first; `next` is the store key to continue after. */
export async function listDeadLetters(deps: Deps, tenant: string, opts: { limit?: number; after?: string } = {}) {
  const page = await deps.store.list(keys.deadLetters(tenant), opts);
  return { items: page.items.map((i) => ({ key: i.key, record: JSON.parse(i.value) as DeadLetter })), next: page.next };
}

/** Counts a successful replay; the record keeps its original expiry. False when it is gone. */
export async function markReplayed(deps: Deps, tenant: string, id: string): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    const found = await getDeadLetter(deps, tenant, id);
    if (!found) return false;
    const now = deps.clock.now();
    const next: DeadLetter = { ...found.record, replays: found.record.replays + 1, lastReplayAt: new Date(now).toISOString() };
    const ttlSeconds = found.expiresAt === undefined ? undefined : Math.max(1, Math.ceil((found.expiresAt - now) / 1000));
    if (await deps.store.put(keys.deadLetter(tenant, id), JSON.stringify(next), { ifVersion: found.version, ttlSeconds })) return true;
  }
  return false;
}

export const deleteDeadLetter = (deps: Deps, tenant: string, id: string): Promise<void> => deps.store.delete(keys.deadLetter(tenant, id));
