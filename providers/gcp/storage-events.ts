import type { CloudEvent } from '@google-cloud/functions-framework';
import { runBatch } from '../../shared/batch/runner';
import type { InboundRecord, RecordHandler } from '../../shared/contracts';
import type { Deps } from '../../shared/ports';
import { depsOrLogged } from './deps-failure';

/**
 * Cloud Storage events (`google.cloud.storage.object.v1.finalized`, delivered by Eventarc) ->
 * RecordHandler: https://cloud.google.com/functions/docs/calling/storage
 * The functions-framework builds the same CloudEvent object from a structured-mode push (the
 * whole event as JSON) and from a binary-mode push (context attributes in ce-* headers, the
 * StorageObjectData as the body), so the record body is always the structured form.
 */
export function storageRecord(ce: CloudEvent<unknown>): InboundRecord {
  const id = typeof ce.id === 'string' && ce.id !== '' ? ce.id : 'unknown';
  return { id, body: JSON.stringify(ce), attributes: typeof ce.type === 'string' ? { type: ce.type } : {} };
}

/**
 * For `functions.cloudEvent(name, gcpStorage(h, getDeps))`. A failure is THROWN: the framework
 * answers with an error status, and with retries enabled on the trigger Eventarc redelivers (up
 * to 24 hours), then the subscription's dead-letter topic keeps it. Resolving acknowledges.
 * https://cloud.google.com/functions/docs/bestpractices/retries
 */
export function gcpStorage(handler: RecordHandler, getDeps: () => Promise<Deps>) {
  return async (ce: CloudEvent<unknown>): Promise<void> => {
    const [outcome] = await runBatch([storageRecord(ce)], handler, await depsOrLogged(getDeps));
    if (outcome && !outcome.ok) throw outcome.error;
  };
}
