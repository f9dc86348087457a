import { createHash } from 'node:crypto';
import { keys, sortableId } from '../delivery/keys';
import { redactText } from '../log/redact';
import type { Deps } from '../ports';
import type { DeadLetterKind } from './kinds';

/**
 * Inbound dead letters: a verified webhook or a queued event that could not be processed, kept
 * with its raw body so it can be inspected and replayed through the API (`/dead-letters`).
 * Records live under `dlq:{tenant}:{id}` (shared/delivery/keys.ts), so another tenant's id is
 * never found, and expire with the delivery retention (config `deliveries.retentionDays`, 30 days).
 * The raw body (up to a webhook's `maxBodyBytes`, 1 MiB by default) is kept apart, under
 * `dlqbody:{tenant}:{id}`, so a listing reads a few hundred bytes per record, not its body: a
 * page of 200 dead letters of 1 MiB each was 270 MB of JSON read and parsed in one request.
 * Records kept before the body moved out hold it inline (`body` in the head) and are read whole,
 * as they always were, until they expire.
 *
 * Headers: only what a replay needs is kept (the content type, and the verified delivery id and
 * event name). Signature and credential headers are not kept, since a replay does not verify
 * again; the verified signature is kept (`signature`) only so a replay of a delivery without an
 * id derives the same event ids, and the API never shows it.
 */
export interface DeadLetter {
  id: string;
  tenant: string;
  /**
   * webhook: a verified inbound webhook; event: a CloudEvent the router could not process;
   * notification: a storage notification storage-ingest cannot read (replayed by ingesting it again);
   * eventbridge: an AWS service event (the EventBridge envelope as received) the cloud-findings
   * function could not process (replayed by running it again on the body).
   */
  kind: DeadLetterKind;
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

/** A dead letter without its body: what `dlq:{tenant}:{id}` holds and a listing reads. */
export type DeadLetterSummary = Omit<DeadLetter, 'body'>;
/** A head as stored: one kept before the body moved out still holds it. */
type StoredHead = DeadLetterSummary & { body?: string };

/**
 * The body outlives its head by this much: written first and kept a little longer, a head that
 * can be read always finds its body, and a body whose head was never written (the store failed
 * in between) expires on its own.
 */
const BODY_GRACE_SECONDS = 60;

/**
 * The body as stored: a JSON string, or `{"utf8b64": ...}` (the text's UTF-8 bytes in base64) when
 * that is shorter. JSON escapes each control character as six (`\u0001`), so a 1 MiB text body of
 * them took 6 MiB, past the 3 MiB value the cloud stores hold, and could not be kept at all;
 * base64 takes 4/3 of the bytes whatever they are. The API still shows the text.
 */
export function storedBody(body: string): string {
  const json = JSON.stringify(body);
  if (json.length <= body.length + 2) return json; // nothing escaped: never longer than base64's third more
  const b64 = Buffer.from(body, 'utf8').toString('base64');
  return b64.length + 13 < Buffer.byteLength(json) ? `{"utf8b64":"${b64}"}` : json;
}

function bodyOf(stored: string): string {
  const value = JSON.parse(stored) as string | { utf8b64: string };
  return typeof value === 'string' ? value : Buffer.from(value.utf8b64, 'base64').toString('utf8');
}

const putBody = (deps: Deps, tenant: string, id: string, body: string, ttlSeconds: number) =>
  deps.store.put(keys.deadLetterBody(tenant, id), storedBody(body), { ttlSeconds: ttlSeconds + BODY_GRACE_SECONDS });

async function readBody(deps: Deps, tenant: string, id: string): Promise<string | undefined> {
  const item = await deps.store.get(keys.deadLetterBody(tenant, id));
  return item === undefined ? undefined : bodyOf(item.value);
}

function summaryOf(head: StoredHead): DeadLetterSummary {
  const { body: _body, ...summary } = head;
  return summary;
}

async function readHead(deps: Deps, tenant: string, id: string): Promise<{ head: StoredHead; version: string; expiresAt?: number } | undefined> {
  const item = await deps.store.get(keys.deadLetter(tenant, id));
  return item ? { head: JSON.parse(item.value) as StoredHead, version: item.version, expiresAt: item.expiresAt } : undefined;
}

/** Characters of a reason's message kept. */
export const MAX_REASON_CHARS = 500;

/**
 * Keeps a dead letter, or counts a repeat: when the same delivery failed before and its record is
 * still there, that record takes the latest reason, one more failure and a renewed retention,
 * and is returned. Senders retry a delivery that failed (Stripe for days), and a queue redelivers
 * a message whose processing failed: one record per failing delivery, not one per attempt.
 */
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
    const again = await countRepeat(deps, rest.tenant, identity, encoded.body, reason, now);
    if (again) return again;
  }
  const head: DeadLetterSummary = {
    ...rest, reason, id: sortableId('dlq_', now), receivedAt: new Date(now).toISOString(), encoding: encoded.encoding, replays: 0, failures: 1,
  };
  await putBody(deps, head.tenant, head.id, encoded.body, ttlSeconds);
  await deps.store.put(keys.deadLetter(head.tenant, head.id), JSON.stringify(head), { ttlSeconds });
  if (identity !== undefined) {
    // The record is kept; without its index a repeat only makes a record of its own.
    await deps.store.put(keys.deadLetterOf(head.tenant, identity), head.id, { ttlSeconds })
      .catch((e: unknown) => deps.logger.warn('could not index dead letter', { deadLetterId: head.id, error: e }));
  }
  return { ...head, body: encoded.body };
}

/**
 * The record of an earlier failure of the same delivery, counted again; undefined when none.
 * `body` is the stored one (the identity covers it): kept again for the renewed retention, which
 * also moves the body of a record kept with it inline out of its head.
 */
async function countRepeat(deps: Deps, tenant: string, identity: string, body: string, reason: DeadLetter['reason'], now: number): Promise<DeadLetter | undefined> {
  const index = await deps.store.get(keys.deadLetterOf(tenant, identity));
  if (!index) return undefined;
  const ttlSeconds = retentionSeconds(deps);
  for (let i = 0; i < 5; i++) {
    const found = await readHead(deps, tenant, index.value);
    if (!found) return undefined; // discarded or expired: a new record (and index) follows
    const { head } = found;
    const next: DeadLetterSummary = { ...summaryOf(head), reason, failures: (head.failures ?? 1) + 1, lastFailedAt: new Date(now).toISOString() };
    if (i === 0) await putBody(deps, tenant, next.id, body, ttlSeconds);
    if (await deps.store.put(keys.deadLetter(tenant, next.id), JSON.stringify(next), { ifVersion: found.version, ttlSeconds })) {
      await deps.store.put(keys.deadLetterOf(tenant, identity), next.id, { ttlSeconds }).catch(() => undefined);
      return { ...next, body };
    }
  }
  return undefined; // changed under us five times: keep this failure on its own
}

/** One dead letter with its body (a second read, unless it was kept inline). */
export async function getDeadLetter(deps: Deps, tenant: string, id: string): Promise<{ record: DeadLetter; version: string; expiresAt?: number } | undefined> {
  const found = await readHead(deps, tenant, id);
  if (!found) return undefined;
  const body = found.head.body ?? (await readBody(deps, tenant, id));
  if (body === undefined) return undefined; // discarded between the two reads
  return { record: { ...found.head, body }, version: found.version, expiresAt: found.expiresAt };
}

/**
 * A page of the tenant's dead letters without their bodies, oldest first; `next` is the store key
 * to continue after, `chars` what the page read (a record kept with its body inline is read whole).
 */
export async function listDeadLetterSummaries(deps: Deps, tenant: string, opts: { limit?: number; after?: string } = {}) {
  const page = await deps.store.list(keys.deadLetters(tenant), opts);
  let chars = 0;
  const items = page.items.map((i) => {
    chars += i.value.length;
    return { key: i.key, summary: summaryOf(JSON.parse(i.value) as StoredHead) };
  });
  return { items, next: page.next, chars };
}

/** A page of the tenant's dead letters with their bodies, a read each: for tools and tests; the API lists summaries. */
export async function listDeadLetters(deps: Deps, tenant: string, opts: { limit?: number; after?: string } = {}) {
  const page = await deps.store.list(keys.deadLetters(tenant), opts);
  const items: { key: string; record: DeadLetter }[] = [];
  for (const i of page.items) {
    const head = JSON.parse(i.value) as StoredHead;
    const body = head.body ?? (await readBody(deps, tenant, head.id));
    if (body !== undefined) items.push({ key: i.key, record: { ...head, body } });
  }
  return { items, next: page.next };
}

/** Counts a successful replay; the record keeps its original expiry. False when it is gone. */
export async function markReplayed(deps: Deps, tenant: string, id: string): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    const found = await readHead(deps, tenant, id);
    if (!found) return false;
    const now = deps.clock.now();
    const next: StoredHead = { ...found.head, replays: found.head.replays + 1, lastReplayAt: new Date(now).toISOString() };
    const ttlSeconds = found.expiresAt === undefined ? undefined : Math.max(1, Math.ceil((found.expiresAt - now) / 1000));
    if (await deps.store.put(keys.deadLetter(tenant, id), JSON.stringify(next), { ifVersion: found.version, ttlSeconds })) return true;
  }
  return false;
}

/** Discards a dead letter: its record and its body, in one step. */
export const deleteDeadLetter = async (deps: Deps, tenant: string, id: string): Promise<void> => {
  await deps.store.putAll([{ key: keys.deadLetter(tenant, id), delete: true }, { key: keys.deadLetterBody(tenant, id), delete: true }]);
};
