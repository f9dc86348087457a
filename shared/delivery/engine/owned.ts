import { randomBytes } from 'node:crypto';
import { sendWakeUp } from '../../ports/wakeups';
import { recordWrites } from '../attempt-log';
import { isoTime } from '../iso-time';
import { keys } from '../keys';
import type { Delivery } from '../model';
import type { Due, DueOutcome } from './attempt';
import type { DeliveryDeps } from './deps';
import type { SweepCache } from './sweep-cache';

/**
 * The version a lease is written with, so its outcome can be written on it without a read. It
 * must differ from every version any store or worker ever made: a random prefix drawn once per
 * process (128 bits; a random UUID has 122) and a counter, for less than a UUID drawn per
 * attempt. Not deps.ids: test ids are per-deps counters, the same in every worker.
 */
const LEASE_PREFIX = randomBytes(16).toString('base64url');
let leases = 0;
export const leaseVersion = (): string => `${LEASE_PREFIX}.${(leases += 1).toString(36)}`;

/** The longest a rate limit or the breaker defers an attempt before it is looked at again. */
export const MAX_DEFER_MS = 24 * 60 * 60 * 1000;

/**
 * The record with its lease, as stored JSON. A record read without a lease (a first attempt, a
 * retry whose lease was released) is its stored text with the lease appended as the last member:
 * the same JSON value as stringifying the parsed record with the lease, without serialising the
 * record again on every attempt. `unleased` must mean that the text has no top-level `lease`
 * member (the parsed record's lease is undefined, which JSON cannot spell). Anything else (an
 * expired lease to replace, text not ending in `}`, a bound that is not a finite number) is
 * serialised in full.
 */
export function leasedText(text: string, unleased: boolean, record: Delivery, until: number): string {
  if (unleased && Number.isFinite(until) && text.length > 2 && text.charCodeAt(text.length - 1) === 0x7d) {
    return `${text.slice(0, -1)},"lease":{"until":${until}}}`;
  }
  // Object.assign: a key added to a spread copy is slow on Node 20's V8 (see request.ts).
  return JSON.stringify(Object.assign({}, record, { lease: { until } }));
}

/**
 * An attempt this worker holds the lease of. Every outcome is written through it, as one
 * conditional write on the version the lease was written with: it releases the lease, and it
 * writes nothing when the record was lost to another worker (our lease had expired). A class
 * rather than closures made per attempt: one object, methods shared.
 */
export class OwnedAttempt {
  constructor(
    private readonly deps: DeliveryDeps,
    private readonly cache: SweepCache,
    private readonly due: Due,
    private readonly key: string,
    private readonly dueKey: string,
    /** The version of the lease held: the one written with it, or with its renewal. */
    private version: string,
    /** The record as read, without the lease: every outcome is written from it. */
    readonly record: Delivery,
    /** When the lease was taken. */
    readonly now: number,
  ) {}

  /**
   * Writes the outcome and releases the lease; false when the record was lost to another worker.
   * `wakeAt`: the next attempt's time (a due key, and a wake-up unless `wake` is false).
   */
  save(next: Delivery, wakeAt?: number, wake = true): Promise<boolean> {
    const { due, cache } = this;
    const { retentionSeconds } = cache.settings;
    // The record and the responses its attempts hold, apart (attempt-log.ts), in one step.
    const writes = recordWrites(this.key, next, { ifVersion: this.version, ttlSeconds: retentionSeconds }, cache.settings.responseTtlSeconds);
    if (wakeAt !== undefined) writes.push({ key: keys.due(wakeAt, due.tenant, due.id), value: '', opts: { ttlSeconds: retentionSeconds } });
    // The due key goes in the same step as the outcome. When the record was lost to another
    // worker (our lease had expired) nothing is written: the due key is that worker's now.
    if (wakeAt !== due.at) writes.push({ key: this.dueKey, delete: true });
    const written = cache.putAll(writes);
    // An outcome with no wake-up to send (a success, a failure for good: nearly every attempt) is
    // its write alone, without an async frame of its own.
    return wakeAt !== undefined && wake ? this.wakeAfter(written, wakeAt) : written;
  }

  /**
   * Extends the lease to `until`, on the version held; false when the record was lost to another
   * worker (the lease had run out and it took the attempt over), which then must not be sent.
   */
  async renew(until: number): Promise<boolean> {
    const version = leaseVersion();
    const value = leasedText('', false, this.record, until);
    const ok = await this.cache.putAll([{ key: this.key, value, opts: { ifVersion: this.version, newVersion: version, ttlSeconds: this.cache.settings.retentionSeconds } }]);
    if (ok) this.version = version;
    return ok;
  }

  /** A retry or deferral: a punctual wake-up for its new due time (the sweep is the backstop). */
  private async wakeAfter(written: Promise<boolean>, at: number): Promise<boolean> {
    const ok = await written;
    if (ok) await sendWakeUp(this.deps, { at, tenant: this.due.tenant, id: this.due.id });
    return ok;
  }

  /**
   * A deferral is a look again, not a verdict: bounded, so a rate of one token per 10^300 s (or an
   * open period configured past year 275760) is a date and a wake-up, not a RangeError. A breaker's
   * deferral sends no wake-up (`wake` false): every pending delivery of the subscription is deferred
   * to the same probe time, so each open period would wake them all at once, one invocation each,
   * to find the breaker still holding all but one back. The sweep looks at them instead, a minute
   * at most after the probe time on the clouds (every 250 ms locally).
   */
  async defer(until: number, wake = true): Promise<DueOutcome> {
    const { now, record } = this;
    const at = Math.min(until, now + MAX_DEFER_MS);
    return (await this.save({ ...record, nextAttemptAt: isoTime(at), updatedAt: isoTime(now) }, at, wake)) ? 'deferred' : 'busy';
  }

  async fail(reason: string): Promise<DueOutcome> {
    const failed: Delivery = { ...this.record, status: 'failed', lastError: reason, updatedAt: isoTime(this.deps.clock.now()) };
    delete failed.nextAttemptAt;
    return (await this.save(failed)) ? 'failed' : 'busy';
  }
}
