import { app } from '@azure/functions';
import { storageIngest } from '../../../functions/storage-ingest/handler';
import { azureDeps, blobAccount } from '../deps';
import { azureEventGrid, eventGridWebhook, ingestDeadLetters } from '../event-grid';
import { azureHttp } from '../http';
import { sameAccountOnly } from '../storage-account';

/**
 * Reports dropped in Blob Storage become finding events (README: "Storage ingest"). Two ways to
 * subscribe the storage account's Microsoft.Storage.BlobCreated events:
 * - an Event Grid trigger (endpoint type "Azure Function"; the host answers the handshake);
 * - a webhook (endpoint type "Web Hook", Event Grid or CloudEvents schema) at
 *   POST /ingest/eventgrid?code=<function key>: authLevel "function" makes the host refuse any
 *   caller without the key before this code runs.
 * Either way, blobs are read from one account (deps.ts blobAccount), and a BlobCreated event of
 * another account subscribed to the function is refused (storage-account.ts). An event no retry
 * can mend is kept as an inbound dead letter of the `ingest.tenant` (event-grid.ts).
 */
const ingest = sameAccountOnly(storageIngest, blobAccount);
app.eventGrid('storageIngest', { handler: azureEventGrid(ingest, azureDeps, ingestDeadLetters) });

app.http('storageIngestWebhook', {
  methods: ['POST', 'OPTIONS'],
  route: 'ingest/eventgrid',
  authLevel: 'function',
  handler: azureHttp(eventGridWebhook(ingest, ingestDeadLetters), azureDeps),
});
