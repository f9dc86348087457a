import * as functions from '@google-cloud/functions-framework';
import { storageIngest } from '../../../functions/storage-ingest/handler';
import { gcpDeps } from '../deps';
import { gcpStorage } from '../storage-events';

/**
 * Reports dropped in a Cloud Storage bucket become finding events (README: "Storage ingest"):
 * deploy with --trigger-event-filters="type=google.cloud.storage.object.v1.finalized" and
 * --trigger-event-filters="bucket=<bucket>", with --retry so transient failures are redelivered.
 */
functions.cloudEvent('storageIngest', gcpStorage(storageIngest, gcpDeps));
