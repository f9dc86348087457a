import type { TokenCredential } from '@azure/core-auth';
import type { QueueClient } from '@azure/storage-queue';
import { errors } from '../../shared/errors';

/**
 * Bounds on every wait of an Azure Storage or Key Vault client the providers make (Table, Blob,
 * Queue, secrets, keys; a client passed in keeps its owner's settings). The SDKs' defaults wait
 * forever: no client-side timeout at all (core-rest-pipeline's `request.timeout` is 0), and in
 * @azure/storage-blob 12.32 and @azure/storage-queue 12.30 `retryOptions.tryTimeoutInMs` only
 * becomes the service's server-side `timeout` URL parameter (storage-common StorageRetryPolicyV2),
 * which a black-holed path never delivers. Their retries are long too: storage 4 tries 4 s then
 * 12 s apart, tables 4 tries about 1, 2 and 4 s apart. Service Bus (bus-service-bus.ts) sets its
 * own retryOptions.
 */
export interface AzureTimeouts {
  /**
   * How long one call may wait for the service's answer, connect included (there is no separate
   * connect timeout on these clients). Storage answers in tens of milliseconds; 10 s of nothing
   * means the path or the account endpoint is gone. Tables and Key Vault: per try (a pipeline
   * policy setting `request.timeout`). Blob and Queue: per call, retries included, as an
   * AbortSignal deadline that ends once the answer's headers arrive, so a long blob download is
   * not cut; also sent as the server-side timeout. A write that fails this way may have been
   * applied: the resulting 503 means "unknown", not "not written". Default 10 s.
   */
  tryTimeoutMs?: number;
  /** Delay before a retry (refused, reset, 500, 503); the next doubles it. Default 1 s. */
  retryDelayMs?: number;
}

export const DEFAULT_TRY_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY_DELAY_MS = 1_000;
/**
 * Three tries in all: a refused or reset connection, or a 500/503, is retried twice, 1 s then 2 s
 * apart for tables, at once then after 1 s for storage (its first retry has no delay), so a
 * failing call ends in a few seconds, within an HTTP function's time.
 */
const TRIES = 3;

/** `retryOptions` for @azure/storage-blob and @azure/storage-queue (StoragePipelineOptions). */
export function storageRetryOptions(t: AzureTimeouts) {
  const delay = t.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  return {
    maxTries: TRIES,
    retryDelayInMs: delay,
    maxRetryDelayInMs: delay * 4,
    // Whole seconds on the wire (`timeout=N`); below 1 s it would round to 0.
    tryTimeoutInMs: Math.max(1_000, t.tryTimeoutMs ?? DEFAULT_TRY_TIMEOUT_MS),
  };
}

/**
 * Options for the clients built on core-rest-pipeline's own policies: @azure/data-tables
 * (TableClientOptions) and Key Vault's SecretClient and CryptographyClient, whose defaults are the
 * same unbounded wait and retries of up to a minute apart. Their core retry policy, and a per-try timeout.
 */
export function coreClientOptions(t: AzureTimeouts) {
  const delay = t.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const timeout = t.tryTimeoutMs ?? DEFAULT_TRY_TIMEOUT_MS;
  return {
    retryOptions: { maxRetries: TRIES - 1, retryDelayInMs: delay, maxRetryDelayInMs: delay * 4 },
    additionalPolicies: [{
      position: 'perRetry' as const,
      policy: {
        name: 'secorchTryTimeout',
        // The node HTTP client aborts a request whose answer has not begun within `timeout` ms
        // (an AbortError, which the retry policy does not retry: the time is spent).
        sendRequest: <R extends { timeout: number }, T>(request: R, next: (r: R) => Promise<T>): Promise<T> => {
          if (!request.timeout) request.timeout = timeout;
          return next(request);
        },
      },
    }],
  };
}

export const tablesClientOptions = coreClientOptions;

/** What a call that ran out of time rejects with: recognised by azureNetworkReason (unavailable.ts). */
export class DeadlineError extends Error {
  constructor(readonly ms: number, options: { cause: unknown }) {
    super(`No answer within ${ms} ms`, options);
    this.name = 'DeadlineError';
  }
}

/**
 * Runs one Blob or Queue call with an AbortSignal that fires after `ms`, cleared as soon as the
 * call settles (for a download: when the headers are in, the body then streams unbounded by it).
 */
export async function withDeadline<T>(ms: number, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await run(controller.signal);
  } catch (e) {
    throw controller.signal.aborted ? new DeadlineError(ms, { cause: e }) : e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Where a Storage queue client is built from (the bus, delivery wake-ups, the router's deferred
 * copies): a connection string, or the account's queue service URL with an Entra ID credential
 * (identity-based connections: storage-account.ts).
 */
export interface StorageQueueTarget extends AzureTimeouts {
  connectionString?: string;
  /** `https://<account>.queue.core.windows.net`, with `credential`; used without connectionString. */
  serviceUrl?: string;
  credential?: TokenCredential;
  queueName: string;
}

/**
 * A Storage queue client made on first use, not at cold start (the HTTP functions that only send
 * now and then should not pay for loading the SDK up front), with the bounded retries above. A
 * first use that fails (a bad connection string) is tried again on the next call, instead of
 * failing the process forever.
 */
export function lazyQueueClient(opts: StorageQueueTarget): () => Promise<QueueClient> {
  let client: Promise<QueueClient> | undefined;
  return () => {
    client ??= import('@azure/storage-queue')
      .then(({ QueueClient, QueueServiceClient }) => {
        const options = { retryOptions: storageRetryOptions(opts) };
        if (opts.connectionString) return new QueueClient(opts.connectionString, opts.queueName, options);
        if (!opts.serviceUrl || !opts.credential) throw errors.config('A Storage queue client needs a connection string, or a service URL and a credential');
        return new QueueServiceClient(opts.serviceUrl, opts.credential, options).getQueueClient(opts.queueName);
      })
      .catch((e: unknown) => {
        client = undefined;
        throw e;
      });
    return client;
  };
}
