import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import { once } from '../common/once';

export interface ServiceBusSenderOptions {
  /** Queue or topic name. */
  entity: string;
  /** A connection string (SAS), or `namespace` with a token credential. */
  connectionString?: string;
  /** Fully qualified namespace, e.g. contoso.servicebus.windows.net. */
  namespace?: string;
  /** For `namespace`: a user-assigned managed identity's client id (the host's `<connection>__clientId`). */
  clientId?: string;
  /** For `namespace`; default DefaultAzureCredential (managed identity in Azure). */
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
    const credential = async (): Promise<TokenCredential> => opts.credential
      ?? new (await import('@azure/identity')).DefaultAzureCredential(opts.clientId ? { managedIdentityClientId: opts.clientId } : {});
    const client = opts.client
      ?? (opts.connectionString
        ? new sdk.ServiceBusClient(opts.connectionString, options)
        : new sdk.ServiceBusClient(opts.namespace!, await credential(), options));
    return client.createSender(opts.entity);
  });
}
