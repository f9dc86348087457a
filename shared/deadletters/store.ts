import { createHash } from 'node:crypto';
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
  /**
   * How often this delivery failed: a sender's retry of it (same delivery id or signature, same
   * body) or a redelivered queue message (same body) counts here instead of making a new record.
   * Absent on records kept before it existed (read as 1).
   */
  failures?: number;
  /** When it last failed (the reason is the latest one). */
  lastFailedAt?: string;
}

export type NewDeadLetter = Omit<DeadLetter, 'id' | 'body' | 'encoding' | 'replays' | 'lastReplayAt' | 'receivedAt' | 'failures' | 'lastFailedAt'> & {
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

/**
 * What makes two failures one delivery failing again: the same body, and for a webhook the same
 * verified delivery id or signature. A webhook with neither (a credential scheme without an id
 * configured) has no identity: two identical bodies may be two deliveries, each kept.
 */
function identityOf(input: NewDeadLetter, body: Pick<DeadLetter, 'body' | 'encoding'>): string | undefined {
  if (input.kind === 'webhook' && input.deliveryId === undefined && input.signature === undefined) return undefined;
  const hash = createHash('sha256');
  for (const part of [input.kind, input.source ?? '', input.deliveryId ?? '', input.signature ?? '', body.encoding, body.body]) {
    hash.update(String(part.length)).update(':').update(part);
  }
  return hash.digest('base64url');
}

/**
 * Keeps a dead letter, or counts a repeat: when the same delivery failed before and its record is
 * still there, that record takes the latest reason, one more failure and a renewed retention,
 * and is returned. Senders retry a delivery that failed (Stripe for days), and a queue redelivers
 * a message whose processing failed: one record per failing delivery, not one per attempt.
 */
/** Characters of a reason's message kept. */
export const MAX_REASON_CHARS = 500;

export async function keepDeadLetter(deps: Deps, input: NewDeadLetter): Promise<DeadLetter> {
  const now = deps.clock.now();
  const { body, ...rest } = input;
  // The reason is text from anywhere (a destination's error, a provider's): shown by the API to
  // any key with deliveries:read, it gets the log's redaction of credential URLs and secrets,
  // then is cut: in that order, as a credential cut first could lose the shape that marks it.
  const reason = { code: rest.reason.code, message: redactText(rest.reason.message).slice(0, MAX_REASON_CHARS) };
  const encoded = encodeBody(body);
  const identity = identityOf(input, encoded);
  const ttlSeconds = retentionSeconds(deps);
  deps.metrics.count('deadletters.kept', 1, { kind: rest.kind });
  if (identity !== undefined) {
    const again = await countRepeat(deps, rest.tenant, identity, reason, now);
    if (again) return again;
  }
  const record: DeadLetter = { ...rest, reason, id: sortableId('dlq_', now), receivedAt: new Date(now).toISOString(), ...encoded, replays: 0, failures: 1 };
  await deps.store.put(keys.deadLetter(record.tenant, record.id), JSON.stringify(record), { ttlSeconds });
  if (identity !== undefined) {
    // The record is kept; without its index a repeat only makes a record of its own.
    await deps.store.put(keys.deadLetterOf(record.tenant, identity), record.id, { ttlSeconds })
      .catch((e: unknown) => deps.logger.warn('could not index dead letter', { deadLetterId: record.id, error: e }));
  }
  return record;
}

/** The record of an earlier failure of the same delivery, counted again; undefined when none. */
async function countRepeat(deps: Deps, tenant: string, identity: string, reason: DeadLetter['reason'], now: number): Promise<DeadLetter | undefined> {
  const index = await deps.store.get(keys.deadLetterOf(tenant, identity));
  if (!index) return undefined;
  const ttlSeconds = retentionSeconds(deps);
  for (let i = 0; i < 5; i++) {
    const found = await getDeadLetter(deps, tenant, index.value);
    if (!found) return undefined; // discarded or expired: a new record (and index) follows
    const next: DeadLetter = { ...found.record, reason, failures: (found.record.failures ?? 1) + 1, lastFailedAt: new Date(now).toISOString() };
    if (await deps.store.put(keys.deadLetter(tenant, next.id), JSON.stringify(next), { ifVersion: found.version, ttlSeconds })) {
      await deps.store.put(keys.deadLetterOf(tenant, identity), next.id, { ttlSeconds }).catch(() => undefined);
      return next;
    }
  }
  return undefined; // changed under us five times: keep this failure on its own
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
