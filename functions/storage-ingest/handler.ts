import type { RecordHandler } from '../../shared/contracts';
import type { Deps } from '../../shared/ports';
import { readNotification } from './envelopes';
import { type IngestOptions, type IngestResult, ingestObject } from './ingest';

/**
 * storage-ingest: one storage notification per record (S3 directly or through SQS, SNS to SQS or
 * EventBridge, Event Grid BlobCreated, Cloud Storage finalized; providers/<cloud>/storage-events
 * put the notification JSON in the record body). Each object it names is ingested in turn; a
 * notification that names none (S3's test event, a deletion, an SNS subscription message) is
 * logged and acknowledged.
 */
export async function ingestNotification(body: string, deps: Deps, opts: IngestOptions = {}): Promise<IngestResult[]> {
  const n = readNotification(body);
  if (n.ignored !== undefined && n.refs.length === 0) {
    const fields = { reason: n.ignored, ...(n.topic ? { topic: n.topic } : {}) };
    if (n.action) deps.logger.warn('storage notification ignored: operator action needed', { ...fields, action: n.action });
    else deps.logger.info('storage notification ignored', fields);
    deps.metrics.count('ingest.ignored', 1);
  }
  const results: IngestResult[] = [];
  // One after the other: an S3 notification rarely carries more than one record, and a failure
  // then leaves the later objects to the redelivery, which skips the ones already done.
  for (const ref of n.refs) results.push(await ingestObject(ref, deps, opts));
  return results;
}

export const storageIngest: RecordHandler = async (record, deps) => {
  await ingestNotification(record.body, deps);
};
