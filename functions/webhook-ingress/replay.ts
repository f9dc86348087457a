import { createHash } from 'node:crypto';
import { AppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { DEFAULT_TOLERANCE_SECONDS, type Verified } from '../../shared/webhooks';
import type { PreparedSource } from './source';

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
  if (v.deliveryId !== undefined) keys.push(`${base}${v.deliveryId}`);
  if (v.signature !== undefined) keys.push(`${base}sig:${createHash('sha256').update(v.signature).digest('base64url')}`);
  return keys;
}

/**
 * Claims every key of a delivery; false (and nothing left claimed) when one of them is a delivery
 * already processed. A claim in flight elsewhere throws 409 after releasing ours.
 */
export async function claimAll(deps: Deps, keys: string[]): Promise<boolean> {
  const claimed: string[] = [];
  try {
    for (const key of keys) {
      if (!(await claim(deps, key))) {
        await release(deps, claimed);
        return false;
      }
      claimed.push(key);
    }
    return true;
  } catch (e) {
    await release(deps, claimed);
    throw e;
  }
}

export const release = (deps: Deps, keys: string[]): Promise<unknown> =>
  Promise.all(keys.map((k) => deps.store.delete(k).catch(() => undefined)));

/** Records live at least twice the scheme's tolerance, so a replay inside the window is caught. */
export const replayTtl = (source: PreparedSource, v: Verified): number =>
  Math.max(source.config.dedupeTtlSeconds, 2 * (v.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS));

/**
 * Claims a delivery before publishing so two concurrent copies cannot both publish. The claim is
 * short-lived and released when the publish fails; the lasting record is written only after the
 * event was published. A copy arriving while the first is in flight gets 409 with Retry-After.
 * Returns false for a delivery already processed.
 */
export async function claim(deps: Deps, key: string): Promise<boolean> {
  const pending = JSON.stringify({ state: 'pending', at: deps.clock.now() });
  if (await deps.store.put(key, pending, { ttlSeconds: CLAIM_TTL_SECONDS, ifAbsent: true })) return true;
  const existing = await deps.store.get(key);
  if (!existing) return claim(deps, key);
  if ((JSON.parse(existing.value) as { state?: string }).state === 'pending') {
    throw new AppError('delivery_in_progress', 'This delivery is being processed; retry shortly', {
      status: 409,
      headers: { 'retry-after': '5' },
    });
  }
  return false;
}

export async function record(deps: Deps, key: string, eventIds: string, ttlSeconds: number): Promise<void> {
  await deps.store.put(key, JSON.stringify({ state: 'done', eventIds, at: deps.clock.now() }), { ttlSeconds });
}
