import { createHash } from 'node:crypto';
import { AppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { DEFAULT_TOLERANCE_SECONDS, type Verified } from '../../shared/webhooks';
import type { PreparedSource } from './source';
import { keyPart } from '../../shared/store/key-part';

/** How long an in-flight claim blocks a concurrent copy of the same delivery. */
const CLAIM_TTL_SECONDS = 60;

/**
 * The replay keys of a verified request, keyed on (tenant, source, id): the sender's delivery id,
 * and a digest of the verified signature when the scheme gives one (its id is absent or not
 * signed, so a replay could change it). A request is a replay when any of its keys was seen.
 * Credential schemes give neither unless an id is configured: a valid credential is reused.
 */
export function replayKeys(source: PreparedSource, v: Verified): string[] {
  const base = `webhook:${source.config.tenant}:${source.id}:`;
  const keys: string[] = [];
  // A delivery id too long for a store key, or one that could pose as a signature key
  // (`sig:...`), is kept as a digest (keyPart). So is one that starts with keyPart's own mark `~`,
  // behind one more `~`: "~sig:x" must not share the digest that "sig:x" is given.
  if (v.deliveryId !== undefined) keys.push(`${base}${keyPart(/^(?:sig:|~)/.test(v.deliveryId) ? `~${v.deliveryId}` : v.deliveryId)}`);
  for (const signature of v.signatures ?? (v.signature === undefined ? [] : [v.signature])) {
    keys.push(`${base}sig:${createHash('sha256').update(signature).digest('base64url')}`);
  }
  return keys;
}

const stateOf = (value: string) => (JSON.parse(value) as { state?: string }).state;

const inProgress = () =>
  new AppError('delivery_in_progress', 'This delivery is being processed; retry shortly', {
    status: 409,
    headers: { 'retry-after': '5' },
  });

/**
 * Claims a delivery before publishing so two concurrent copies cannot both publish: every key of
 * it in one atomic write (one store round trip, and no half-claimed delivery to release). The
 * claim is short-lived and released when the publish fails; the lasting record is written only
 * after the event was published. Returns false for a delivery already processed; a copy arriving
 * while the first is in flight gets 409 with Retry-After.
 */
export async function claimAll(deps: Deps, keys: string[], attempt = 0): Promise<boolean> {
  if (keys.length === 0) return true;
  const pending = JSON.stringify({ state: 'pending', at: deps.clock.now() });
  if (await deps.store.putAll(keys.map((key) => ({ key, value: pending, opts: { ttlSeconds: CLAIM_TTL_SECONDS, ifAbsent: true } })))) return true;
  const existing = await Promise.all(keys.map((k) => deps.store.get(k)));
  if (existing.some((item) => item && stateOf(item.value) === 'done')) return false;
  // Pending elsewhere; or gone again (released or expired) since our write: try once more.
  if (existing.some((item) => item !== undefined) || attempt >= 2) throw inProgress();
  return claimAll(deps, keys, attempt + 1);
}

export const release = (deps: Deps, keys: string[]): Promise<unknown> =>
  Promise.all(keys.map((k) => deps.store.delete(k).catch(() => undefined)));

/**
 * Records outlive the scheme's window, so a replay inside it is caught. Timestamps are checked in
 * whole seconds with both edges accepted (timing-safe.ts checkTimestamp): a timestamp is good
 * while the current second is within `tolerance` of it either way, which is 2 x tolerance + 1
 * seconds of wall-clock time, and a delivery accepted in the first millisecond of that is
 * replayable until the last one.
 */
export const replayTtl = (source: PreparedSource, v: Verified): number =>
  Math.max(source.config.dedupeTtlSeconds, 2 * (v.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS) + 1);

/** Marks every key of a published delivery done, in one write. */
export async function recordAll(deps: Deps, keys: string[], eventIds: string, ttlSeconds: number): Promise<void> {
  const done = JSON.stringify({ state: 'done', eventIds, at: deps.clock.now() });
  if (keys.length > 0) await deps.store.putAll(keys.map((key) => ({ key, value: done, opts: { ttlSeconds } })));
}

/**
 * The keys a duplicate adds to the record: those of its verified signature(s) only. A delivery id
 * that comes beside a signature key is not signed (that is why the scheme gives the signature
 * key), so whoever replays a captured request may have put any id there: recording it would
 * answer the sender's own later delivery of that id as a duplicate and drop it.
 */
export const signatureKeys = (source: PreparedSource, v: Verified): string[] =>
  (v.signature === undefined && v.signatures === undefined ? [] : replayKeys(source, { ...v, deliveryId: undefined }));

/** Marks done each key of a duplicate that was not recorded yet (one write per key: some exist). */
export async function recordMissing(deps: Deps, keys: string[], ttlSeconds: number): Promise<void> {
  if (keys.length === 0) return;
  const done = JSON.stringify({ state: 'done', at: deps.clock.now() });
  await Promise.all(keys.map((key) => deps.store.put(key, done, { ttlSeconds, ifAbsent: true })));
}
