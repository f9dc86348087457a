import { AppError, isAppError } from '../../shared/errors';

/**
 * A transient failure (the bus, the object store or the state store did not answer): retryable,
 * so the platform redelivers the notification and nothing is silently dropped. The cause stays
 * for the log; the message names the step and the object, never an endpoint or credential.
 */
export function transient(step: string, where: string, cause: unknown): AppError {
  if (isAppError(cause) && cause.retryable) return cause;
  return new AppError('ingest_unavailable', `storage-ingest: ${step} failed for ${where}`, { status: 503, retryable: true, expose: false, cause });
}

/** Runs one I/O step, turning any failure into a retryable error naming the step. */
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
