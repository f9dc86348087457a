import { storageIngest } from '../../../functions/storage-ingest/handler';
import { awsStorageEvents } from '../../aws/storage-events';
import { localDeps } from '../deps';

/**
 * serverless.yml's storageIngest function under `npm start`: no bucket notifies it locally (the
 * inbox worker watches $SECORCH_DATA_DIR/inbox instead), but it can be invoked with an S3, SQS
 * or EventBridge event naming a bucket of the local folder store (a sub-folder of the data
 * directory).
 */
export const handler = awsStorageEvents(storageIngest, localDeps);
