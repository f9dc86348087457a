import type { InboundRecord, RecordHandler } from '../contracts';
import { type AppError, toAppError } from '../errors';
import type { Deps } from '../ports';

export type RecordOutcome =
  | { id: string; ok: true }
  | { id: string; ok: false; error: AppError };

/**
 * Runs a batch one record at a time and reports each record's outcome, so one bad record fails
 * alone. Adapters map the failed ids to their platform's partial-failure form (SQS
 * batchItemFailures, Pub/Sub nack, Storage Queue visibility). Sequential on purpose: queue
 * batches are small and ordering within a batch is then preserved.
 */
export async function runBatch(records: InboundRecord[], handler: RecordHandler, deps: Deps): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = [];
  for (const record of records) {
    try {
      await handler(record, deps);
      outcomes.push({ id: record.id, ok: true });
    } catch (e) {
      const error = toAppError(e);
      deps.logger.error('record failed', {
        recordId: record.id,
        code: error.code,
        retryable: error.retryable,
        error: error.expose ? error.message : String((error.cause as Error | undefined)?.message ?? error.message),
      });
      deps.metrics.count('records.failed', 1, { code: error.code });
      outcomes.push({ id: record.id, ok: false, error });
    }
  }
  return outcomes;
}

export const failedIds = (outcomes: RecordOutcome[]): string[] => outcomes.filter((o) => !o.ok).map((o) => o.id);
