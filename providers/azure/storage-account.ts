import type { TokenCredential } from '@azure/core-auth';
import type { RecordHandler } from '../../shared/contracts';
import { AppError, errors } from '../../shared/errors';
import { azureCredential, configuredClientId } from './credential';

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

/**
 * How the code's own Blob, Queue and Table clients reach a storage account: the connection string
 * in the setting `<connection>`, or, when that is unset or empty, an identity-based connection
 * described by settings under the prefix `<connection>__`, the same ones the Functions host reads:
 * `__accountName` (global Azure: https://<account>.<service>.core.windows.net) or the services'
 * own `__blobServiceUri`, `__queueServiceUri`, `__tableServiceUri` (a sovereign cloud, a custom
 * DNS name), each URI taking precedence over the account name for its service. It is the default
 * on the Flex Consumption plan, where AzureWebJobsStorage holds no connection string at all.
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
 */
export type StorageConnection =
  | { connectionString: string }
  | { identity: StorageIdentity };

export type StorageService = 'blob' | 'queue' | 'table';

export interface StorageIdentity {
  /** The settings' prefix, named in errors: AzureWebJobsStorage or SECORCH_BLOB_CONNECTION. */
  connection: string;
  /** `__accountName`, lowercase. */
  account?: string;
  /** `__<service>ServiceUri`, else built from the account name. */
  urls: Partial<Record<StorageService, string>>;
  /** A user-assigned identity: `__clientId`, else AZURE_CLIENT_ID (credential.ts). */
  clientId?: string;
  /** A user-assigned identity named by its resource id instead (`__managedIdentityResourceId`). */
  resourceId?: string;
}

/** The Functions host's storage connection, and the default of every storage client here. */
export const HOST_STORAGE = 'AzureWebJobsStorage';
const SERVICES: readonly StorageService[] = ['blob', 'queue', 'table'];
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const uriSetting = (connection: string, service: StorageService) => `${connection}__${service}ServiceUri`;

/** A service URI setting's value: an https URL (a bearer token is never sent over http). Its value stays out of the error. */
function serviceUri(connection: string, service: StorageService, value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url?.protocol !== 'https:' || url.search || url.username || url.password) {
    throw errors.config(`${uriSetting(connection, service)} must be an https URL of the storage service, without a query or credentials`, uriSetting(connection, service));
  }
  return value.replace(/\/+$/, '');
}

/**
 * The connection `<connection>` names in `env`; undefined when none of its settings is set. A
 * connection string comes first, as for the host. The settings are only read here: nothing is
 * logged, and errors name settings, never their values.
 */
export function storageConnection(env: Record<string, string | undefined>, connection = HOST_STORAGE): StorageConnection | undefined {
  const connectionString = env[connection]?.trim();
  if (connectionString) return { connectionString };
  const setting = (name: string) => env[`${connection}__${name}`]?.trim() || undefined;
  const accountName = setting('accountName');
  if (accountName !== undefined && !ACCOUNT_NAME.test(accountName.toLowerCase())) {
    throw errors.config(`${connection}__accountName must be a storage account name (3 to 24 letters and digits)`, `${connection}__accountName`);
  }
  const account = accountName?.toLowerCase();
  const urls: Partial<Record<StorageService, string>> = {};
  for (const service of SERVICES) {
    const uri = setting(`${service}ServiceUri`);
    if (uri) urls[service] = serviceUri(connection, service, uri);
    else if (account) urls[service] = `https://${account}.${service}.core.windows.net`;
  }
  if (!account && Object.keys(urls).length === 0) return undefined;
  const resourceId = setting('managedIdentityResourceId');
  const clientId = configuredClientId(env, connection);
  return { identity: { connection, account, urls, ...(resourceId && !setting('clientId') ? { resourceId } : clientId ? { clientId } : {}) } };
}

/** The Functions host's storage connection; invalid_config naming the settings when there is none. */
export function hostStorage(env: Record<string, string | undefined>): StorageConnection {
  const c = storageConnection(env, HOST_STORAGE);
  if (c) return c;
  throw errors.config(
    `The Functions host's storage is not configured: set ${HOST_STORAGE} (a connection string), or for an identity-based connection ` +
      `${HOST_STORAGE}__accountName, or ${SERVICES.map((s) => uriSetting(HOST_STORAGE, s)).join(', ')}`,
    HOST_STORAGE,
  );
}

/** The URL of `service` of an identity-based connection; invalid_config naming the missing setting. */
export function serviceUrl(identity: StorageIdentity, service: StorageService): string {
  const url = identity.urls[service];
  if (url) return url;
  throw errors.config(`${uriSetting(identity.connection, service)} (or ${identity.connection}__accountName) is not set: the ${service} service of the identity-based connection ${identity.connection} has no URL`, uriSetting(identity.connection, service));
}

/** The storage account a connection reaches Blob Storage in, lowercase; undefined when it does not say. */
export function storageAccount(c: StorageConnection): string | undefined {
  if ('connectionString' in c) return connectionAccount(c.connectionString);
  return c.identity.urls.blob ? endpointAccount(c.identity.urls.blob) ?? c.identity.account : c.identity.account;
}

/** One DefaultAzureCredential per process and resource id (credential.ts shares the ones per client id). */
const byResourceId = new Map<string, Promise<TokenCredential>>();
const resourceIdCredential = (resourceId: string): Promise<TokenCredential> => {
  let credential = byResourceId.get(resourceId);
  if (!credential) {
    credential = import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential({ managedIdentityResourceId: resourceId }));
    credential.catch(() => byResourceId.delete(resourceId));
    byResourceId.set(resourceId, credential);
  }
  return credential;
};

/**
 * The token credential of an identity-based connection: the DefaultAzureCredential of credential.ts
 * for its client id (a managed identity in Azure, a developer's login locally), loaded on the first
 * token asked for, so that a client can be given it at cold start without loading @azure/identity.
 */
export function identityCredential(identity: StorageIdentity): TokenCredential {
  const credential = () => (identity.resourceId ? resourceIdCredential(identity.resourceId) : azureCredential({ clientId: identity.clientId }));
  return { getToken: async (scopes, options) => (await credential()).getToken(scopes, options) };
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
