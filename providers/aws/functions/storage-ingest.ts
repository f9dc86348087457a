import { storageIngest } from '../../../functions/storage-ingest/handler';
import { awsDeps } from '../deps';
import { awsStorageEvents } from '../storage-events';

/**
 * Reports dropped in S3 become finding events. One handler for the three triggers (README:
 * "Storage ingest"): the bucket's notification straight to Lambda, an SQS queue the bucket
 * notifies (event source mapping with ReportBatchItemFailures), or an EventBridge rule on
 * "Object Created".
 */
export const handler = awsStorageEvents(storageIngest, awsDeps);
