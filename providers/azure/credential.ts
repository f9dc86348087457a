import type { TokenCredential } from '@azure/core-auth';

/**
 * The Entra ID credential of the SDK clients this code builds itself: the Service Bus publisher
 * and the router's delayed copies, Key Vault secrets and the Key Vault sealer. (The host's trigger
 * bindings take theirs from their own `<connection>__credential` and `__clientId` app settings.)
 *
 * DefaultAzureCredential is a managed identity in Azure and a developer's login locally. Given no
 * client id (and no AZURE_CLIENT_ID), its managed identity is the app's system-assigned one: on an
 * app whose only identity is user-assigned it gets no token, and every call fails (a publish as
 * bus_unavailable). So the client id the deployment configures is passed as
 * `managedIdentityClientId`, the same way by every client.
 * https://learn.microsoft.com/azure/developer/javascript/sdk/authentication/credential-chains#defaultazurecredential-overview
 *
 * No emulator exists for Entra ID: tests inject a `credentialFactory` and look at the options it is
 * given, never at a real token.
 */
export interface AzureCredentialOptions {
  managedIdentityClientId?: string;
}

export type CredentialFactory = (options: AzureCredentialOptions) => TokenCredential | Promise<TokenCredential>;

/** What a client that builds its own credential takes. */
export interface AzureIdentityOptions {
  /** A user-assigned managed identity's client id; unset: the system-assigned identity (or AZURE_CLIENT_ID). */
  clientId?: string;
  /** Builds the credential; default: a DefaultAzureCredential, one per process and client id. */
  credentialFactory?: CredentialFactory;
}

/** The prefix of the app settings of the Service Bus connection the router's trigger binds with (service-bus.ts). */
export const SERVICE_BUS_CONNECTION = 'SECORCH_SERVICE_BUS';

/**
 * The client id a client authenticates with: the `<connection>__clientId` app setting of the host
 * binding on the same resource, when there is one (Service Bus: SECORCH_SERVICE_BUS__clientId, which
 * the trigger uses), else AZURE_CLIENT_ID, the Azure SDKs' own setting (Key Vault).
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#common-properties-for-identity-based-connections
 */
export function configuredClientId(env: Record<string, string | undefined>, connection?: string): string | undefined {
  return (connection ? env[`${connection}__clientId`] : undefined) || env.AZURE_CLIENT_ID || undefined;
}

export const credentialOptions = (clientId?: string): AzureCredentialOptions => (clientId ? { managedIdentityClientId: clientId } : {});

const defaultAzureCredential: CredentialFactory = async (options) => new (await import('@azure/identity')).DefaultAzureCredential(options);

/** One per process and client id: the clients share its token cache. */
const shared = new Map<string, Promise<TokenCredential>>();

/** The credential for `opts`: from its factory, else the process's DefaultAzureCredential for the client id. */
export function azureCredential(opts: AzureIdentityOptions): Promise<TokenCredential> {
  const options = credentialOptions(opts.clientId);
  if (opts.credentialFactory) return Promise.resolve(opts.credentialFactory(options));
  const key = opts.clientId ?? '';
  let credential = shared.get(key);
  if (!credential) {
    credential = Promise.resolve(defaultAzureCredential(options));
    credential.catch(() => shared.delete(key)); // a failed import may succeed on the next call
    shared.set(key, credential);
  }
  return credential;
}
