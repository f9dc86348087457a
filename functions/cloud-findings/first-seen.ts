/**
 * First-seen records: which revision of a finding this capability saw first, so `created` means
 * "the first time the source reports the finding" (README, Which transition) and is sent once.
 *
 * The event alone cannot tell. Security Hub sends "Findings - Imported" again when an analyst or
 * a tool changes a finding with BatchUpdateFindings, which leaves UpdatedAt alone
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchupdatefindings.html):
 * a finding never re-imported still shows CreatedAt == UpdatedAt. And what such a change writes
 * (Note, Severity, UserDefinedFields...) may already be on the first event: automation rules
 * update findings "as it ingests findings"
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/automation-rules.html).
 *
 * One record per (tenant, source, detail-type, finding uid) holds the CloudEvent id of the first revision
 * seen. Every finding event reads it and writes it when absent; a renewal at most once a day
 * keeps it while the finding lives. Security Hub deletes a finding 90 days after its last update,
 * and every update sends an event: a record kept 120 days after a sighting outlives the finding.
 */
import { AppError, isAppError } from '../../shared/errors';
import { MAX_KEY_BYTES, type StateStore } from '../../shared/ports/store';
import { keyPart } from '../../shared/store/key-part';

const DAY_MS = 86_400_000;
export const FIRST_SEEN_TTL_SECONDS = 120 * 86_400;
/** A record older than this is written again (its TTL renewed) when its finding is seen. */
export const RENEW_AFTER_MS = DAY_MS;

/**
 * The state-store key; a uid too long for a key stands as its digest (keyPart). Per detail-type:
 * Security Hub sends each finding both as ASFF ("Security Hub Findings - Imported") and as OCSF
 * ("Findings Imported V2"), same source and uid, and each copy's stream keeps its own `created`.
 */
export function firstSeenKey(tenant: string, source: string, detailType: string, uid: string): string {
  const head = `cfseen:${tenant}:${keyPart(source, 100)}:${keyPart(detailType, 100)}:`;
  return `${head}${keyPart(uid, MAX_KEY_BYTES - Buffer.byteLength(head, 'utf8'))}`;
}

interface SeenRecord {
  /** The CloudEvent id of the first revision seen. */
  id: string;
  /** Epoch ms of the last write (the TTL counts from it). */
  at: number;
}

const parse = (value: string): SeenRecord | undefined => {
  try {
    const r = JSON.parse(value) as Partial<SeenRecord>;
    return typeof r.id === 'string' && typeof r.at === 'number' ? { id: r.id, at: r.at } : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A store failure fails the event, retryably: a guess would send `created` twice or never.
 * Lambda retries the event, then hands it to the on-failure destination.
 */
async function guarded<T>(op: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (isAppError(e) && e.retryable) throw e;
    throw new AppError('finding_state_unavailable', `First-seen record of a finding: ${op} failed; retry`, { status: 503, retryable: true, expose: false, cause: e });
  }
}

/**
 * Records a sighting of revision `id` of a finding; true when `id` is the first revision recorded
 * (now, or by an earlier delivery of the same revision). `created`: the mapper calls this one
 * created, and then the record is most likely absent, so the write comes first.
 */
export async function firstSighting(store: StateStore, key: string, id: string, now: number, created: boolean): Promise<boolean> {
  const write = (value: SeenRecord, condition: { ifAbsent: true } | { ifVersion: string }) =>
    guarded('put', () => store.put(key, JSON.stringify(value), { ...condition, ttlSeconds: FIRST_SEEN_TTL_SECONDS }));
  if (created && (await write({ id, at: now }, { ifAbsent: true }))) return true;
  // Twice at most: a record that expires between a failed write and the read is absent on the next.
  for (let attempt = 0; attempt < 2; attempt++) {
    const item = await guarded('get', () => store.get(key));
    if (item === undefined) {
      if (await write({ id, at: now }, { ifAbsent: true })) return true;
      continue;
    }
    // An unreadable record gives way to this revision (a repeated `created` is better than none).
    // Another writer's renewal in between is as good as ours: a refused one is not retried.
    const seen = parse(item.value);
    if (seen === undefined || now - seen.at >= RENEW_AFTER_MS) await write({ id: seen?.id ?? id, at: now }, { ifVersion: item.version });
    return seen === undefined || seen.id === id;
  }
  throw new AppError('finding_state_unavailable', 'First-seen record of a finding: changed during the read; retry', { status: 503, retryable: true, expose: false });
}
