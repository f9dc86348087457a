import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import { once } from '../common/once';
import { azureCredential, type AzureIdentityOptions } from './credential';

/** With `namespace`, `clientId` names a user-assigned managed identity (credential.ts). */
export interface ServiceBusSenderOptions extends AzureIdentityOptions {
  /** Queue or topic name. */
  entity: string;
  /** A connection string (SAS), or `namespace` with a token credential. */
  connectionString?: string;
  /** Fully qualified namespace, e.g. contoso.servicebus.windows.net. */
  namespace?: string;
  /** For `namespace`; default DefaultAzureCredential (managed identity in Azure, credential.ts). */
  credential?: TokenCredential;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  client?: ServiceBusClient;
}

/**
 * A Service Bus sender made on first use and kept (the SDK loaded then, one AMQP connection per
 * instance for the life of it), for the bus (bus-service-bus.ts) and the router trigger's delayed
 * copies (router-deferral-service-bus.ts). Retries are bounded so a call fails within about half
 * a minute instead of the SDK's default minute-long attempts. A first use that fails is tried
 * again on the next call.
 */
export function lazyServiceBusSender(opts: ServiceBusSenderOptions): () => Promise<ServiceBusSender> {
  return once(async (): Promise<ServiceBusSender> => {
    const sdk = await import('@azure/service-bus');
    const options = { retryOptions: { maxRetries: 2, timeoutInMs: 10_000 } };
    const client = opts.client
      ?? (opts.connectionString
        ? new sdk.ServiceBusClient(opts.connectionString, options)
        : new sdk.ServiceBusClient(opts.namespace!, opts.credential ?? await azureCredential(opts), options));
    return client.createSender(opts.entity);
  });
}
