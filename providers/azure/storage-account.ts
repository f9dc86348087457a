import type { RecordHandler } from '../../shared/contracts';
import { AppError } from '../../shared/errors';

/**
 * Container names are unique only within a storage account, and a BlobCreated event names its
 * account (Event Grid schema `topic`, CloudEvents schema `source`) apart from the container and
 * blob (`subject`). storage-ingest reads the container and blob with the one account of
 * SECORCH_BLOB_CONNECTION (default AzureWebJobsStorage), so an event from any other account
 * subscribed to the function would be read there: a blob that is not there is skipped as missing
 * (the report never ingested, nothing but a metric), and a blob of the same name in that account
 * would be ingested in its place. Such an event is refused instead, naming both accounts.
 * https://learn.microsoft.com/azure/event-grid/event-schema-blob-storage
 */

/** The development account of Azurite and the Storage emulator (`UseDevelopmentStorage=true`). */
const DEV_ACCOUNT = 'devstoreaccount1';
const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';
const TOPIC = /\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)/i;
/** Hosts the SDK addresses path-style (`http://127.0.0.1:10000/<account>`): an IP or localhost. */
const PATH_STYLE_HOST = /^(?:\[[0-9a-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3}|localhost|host\.docker\.internal)$/i;

/** Account names are lowercase letters and digits; Azure matches them in any case. */
const account = (name: string | undefined): string | undefined => name?.trim().toLowerCase() || undefined;

/** The account a blob endpoint URL addresses: `<account>.blob.<suffix>`, or path-style on an IP or localhost. */
function endpointAccount(endpoint: string): string | undefined {
  if (!URL.canParse(endpoint)) return undefined;
  const url = new URL(endpoint);
  const [first, second] = url.hostname.split('.');
  if (second === 'blob') return account(first);
  return PATH_STYLE_HOST.test(url.hostname) ? account(url.pathname.split('/')[1]) : undefined;
}

/**
 * The storage account a connection string reaches Blob Storage in, lowercase; undefined when it
 * does not say (a SAS connection string whose BlobEndpoint is a custom domain).
 */
export function connectionAccount(connectionString: string): string | undefined {
  if (connectionString.trim().startsWith('UseDevelopmentStorage=true')) return DEV_ACCOUNT;
  const parts = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const endpoint = parts.get('blobendpoint');
  return (endpoint ? endpointAccount(endpoint) : undefined) ?? account(parts.get('accountname'));
}

/** The storage account a BlobCreated event comes from, lowercase; undefined for any other event. */
export function blobEventAccount(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as Record<string, unknown>;
  if ((e.eventType ?? e.type) !== BLOB_CREATED) return undefined;
  const topic = typeof e.topic === 'string' ? e.topic : typeof e.source === 'string' ? e.source : '';
  return account(TOPIC.exec(topic)?.[1]);
}

/**
 * Retryable: Event Grid retries it (for up to a day by default) and then dead-letters it when the
 * subscription has a dead-letter destination, so an operator who points SECORCH_BLOB_CONNECTION
 * at the account in time loses no report.
 */
export const accountMismatch = (from: string, reads: string) =>
  new AppError('storage_account_mismatch', `The blob event comes from storage account "${from}", but blobs are read from account "${reads}" (SECORCH_BLOB_CONNECTION, default AzureWebJobsStorage)`, {
    status: 500, retryable: true, expose: false,
  });

/**
 * Wraps the handler of Event Grid records (their body is the event's JSON) so a BlobCreated
 * event from another account than `reads()` fails instead of reaching it. Either account unknown:
 * the event passes (a custom-domain endpoint names no account).
 */
export function sameAccountOnly(handler: RecordHandler, reads: () => string | undefined): RecordHandler {
  return async (record, deps) => {
    let from: string | undefined;
    try {
      from = blobEventAccount(JSON.parse(record.body));
    } catch {
      from = undefined;
    }
    const expected = from === undefined ? undefined : reads();
    if (from !== undefined && expected !== undefined && from !== expected) throw accountMismatch(from, expected);
    return handler(record, deps);
  };
}
