import { AppError, isAppError } from '../../shared/errors';

/**
 * Which failures of a step are kept as they are instead of becoming a retryable
 * ingest_unavailable. Every retryable typed error is (store_unavailable, bus_unavailable,
 * object_storage_unavailable, ... keep their code and Retry-After). So is every non-retryable
 * typed error of the object store or the event bus: it is about this object or its findings (a
 * key the object store cannot address, `object_key_invalid`; a finding larger than the bus
 * carries, `bus_message_too_large`; any such code a provider adds), and no retry can mend it.
 * Made retryable, such an object was tried again until the dead-letter queue under
 * ingest_unavailable, which hides why; Event Grid and the local inbox act on them at once (a
 * dead letter; the inbox's quarantine with a failed event).
 *
 * Not kept: non-retryable errors of the state store (a damaged local database, a record it cannot
 * read back), at any step (a `store_*` code), and a configuration error. They are about the
 * deployment, not the report, and stay retryable: the inbox would otherwise set good reports
 * aside, and a fixed deployment ingests them on a redelivery. Errors that are not AppErrors (a
 * driver's own, a parser bug) are retryable.
 */
const STATE_STEPS: ReadonlySet<string> = new Set(['state read', 'state write']);
const DEPLOYMENT_CODES: ReadonlySet<string> = new Set(['invalid_config']);
/**
 * A state store's code (store_damaged, ...) is about the deployment whatever step met it: the
 * local event bus is a queue table in the same kind of SQLite file (providers/local/bus-sqlite.ts),
 * so a damaged database fails a publish with store_damaged, which no report can be blamed for.
 */
const isStoreCode = (code: string) => code.startsWith('store_');

const kept = (step: string, e: AppError) => e.retryable || (!STATE_STEPS.has(step) && !DEPLOYMENT_CODES.has(e.code) && !isStoreCode(e.code));

/**
 * A failed step as the platform should see it: a typed error kept as it is (see `kept`), else a
 * transient failure (the bus, the object store or the state store did not answer), retryable, so
 * the platform redelivers the notification and nothing is silently dropped. The cause stays for
 * the log; the message names the step and the object, never an endpoint or credential.
 */
export function transient(step: string, where: string, cause: unknown): AppError {
  if (isAppError(cause) && kept(step, cause)) return cause;
  return new AppError('ingest_unavailable', `storage-ingest: ${step} failed for ${where}`, { status: 503, retryable: true, expose: false, cause });
}

/** Runs one I/O step, turning a failure into a retryable error naming the step (see transient). */
export async function step<T>(name: string, where: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw transient(name, where, e);
  }
}

/** Another attempt holds the object's lease: retry later (the platform's redelivery backoff). */
export const inProgress = (where: string, leaseUntil: number): AppError =>
  new AppError('ingest_in_progress', `${where} is being ingested by another attempt`, {
    status: 409,
    retryable: true,
    extra: { leaseUntil: new Date(leaseUntil).toISOString() },
  });
