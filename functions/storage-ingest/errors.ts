import { AppError, isAppError } from '../../shared/errors';

/**
 * Failures no retry of this object can mend, kept as they are (not retryable): a key the object
 * store cannot address (shared/objects/keys.ts), a finding larger than the event bus carries.
 * Made retryable, such an object was tried again until the dead-letter queue under
 * ingest_unavailable, which hides why; Event Grid and the local inbox act on them at once (a
 * dead letter; the inbox's quarantine with a failed event). Other non-retryable errors (a damaged
 * state store) are about the deployment, not the report, and stay retryable: the inbox would
 * otherwise set good reports aside.
 */
const PERMANENT: ReadonlySet<string> = new Set(['object_key_invalid', 'bus_message_too_large']);

/**
 * A transient failure (the bus, the object store or the state store did not answer): retryable,
 * so the platform redelivers the notification and nothing is silently dropped. The cause stays
 * for the log; the message names the step and the object, never an endpoint or credential.
 */
export function transient(step: string, where: string, cause: unknown): AppError {
  if (isAppError(cause) && (cause.retryable || PERMANENT.has(cause.code))) return cause;
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
