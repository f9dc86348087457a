import { awsNetworkReason } from './unavailable';

/**
 * DynamoDB answers that a prompt retry may cure but that the SDK never retries (HTTP 400s outside
 * its throttling list):
 * - TransactionConflictException: a PutItem or DeleteItem on an item a transaction holds;
 * - TransactionCanceledException whose reasons are only TransactionConflict (a concurrent
 *   transaction), ThrottlingError or ProvisionedThroughputExceeded ("insufficient provisioned
 *   capacity for the transaction", an on-demand table still scaling), the others None.
 * A cancellation naming ConditionalCheckFailed is the store's `false` (store-dynamodb.ts); one
 * naming ValidationError or ItemCollectionSizeLimitExceeded fails the same way every time. What
 * outlasts the retries is unavailability, not a failure of the request (dynamoReason).
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 */
const RETRY_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

const nameOf = (e: unknown) => (e as { name?: unknown } | null)?.name;
export const cancellationCodes = (e: unknown): string[] =>
  ((e as { CancellationReasons?: { Code?: string }[] } | null)?.CancellationReasons ?? []).map((r) => r.Code ?? 'None');

/** Whether DynamoDB said "busy" in a way the SDK leaves to us. */
export function retryHere(e: unknown): boolean {
  if (nameOf(e) === 'TransactionConflictException') return true;
  if (nameOf(e) !== 'TransactionCanceledException') return false;
  const causes = cancellationCodes(e).filter((code) => code !== 'None');
  return causes.length > 0 && causes.every((code) => RETRY_REASONS.has(code));
}

const ATTEMPTS = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` again (6 attempts, jittered exponential backoff from 20 ms, about 0.6 s at most
 * in all) while retryHere; each attempt re-plans its writes, so conditions are checked afresh.
 */
export async function retryBusy<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (n >= ATTEMPTS || !retryHere(e)) throw e;
      await sleep(Math.random() * 10 * 2 ** n);
    }
  }
}

/**
 * DynamoDB's "too busy" answers the SDK retries (its throttling list: 3 attempts with backoff, or
 * AWS_MAX_ATTEMPTS) and we leave as they are once it gives up: capacity or the account's request
 * rate exceeded on a table, an index or a partition.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
 */
const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

/**
 * DynamoDB's own failures, which AWS documents as retryable and the SDK retries as transient
 * (HTTP 5xx) before it gives up: `InternalServerError` (500) and `ServiceUnavailable` (503); any
 * other 5xx (a gateway on the way) likewise.
 */
function serverFault(e: unknown): string | undefined {
  const name = nameOf(e);
  const status = (e as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  if (name === 'ServiceUnavailable' || status === 503) return 'service unavailable';
  if (name === 'InternalServerError' || (typeof status === 'number' && status >= 500)) return 'server error';
  return undefined;
}

/**
 * A conditional PutItem the SDK sent more than once after a try that may have been applied (its
 * answer lost, or a 5xx after DynamoDB may have written; not a throttled or otherwise refused try:
 * store-dynamodb-resend.ts) that failed its condition on an item another writer has rewritten
 * since: that try may have been applied, or not (store-dynamodb.ts ownWrite).
 */
export class DynamoOutcomeUnknown extends Error {
  constructor(options: { cause?: unknown } = {}) {
    super('A put the SDK resent may have been applied; the item has changed since', options);
    this.name = 'DynamoOutcomeUnknown';
  }
}

/**
 * Why a DynamoDB failure is "unavailable" (a 503 `store_unavailable` with Retry-After the caller
 * may retry, shared/store/unavailable.ts), else undefined: DynamoDB out of reach
 * (awsNetworkReason), throttling and server faults the SDK's retries did not outlast, contention
 * retryBusy did not (a transaction holding the item, a transaction cancelled only for conflicts
 * or capacity), and a resent put whose outcome cannot be told (DynamoOutcomeUnknown). Left alone
 * they reach a caller as a generic 500 (and the webhook rate limiter lets requests through
 * unmetered), or, on a queue, the same retry without a hint. A failed condition, a validation
 * error, an item too large, access denied keep their errors.
 */
export function dynamoReason(e: unknown): string | undefined {
  if (e instanceof DynamoOutcomeUnknown) return 'commit outcome unknown';
  const network = awsNetworkReason(e);
  if (network !== undefined) return network;
  const name = nameOf(e);
  if (typeof name === 'string' && THROTTLED.has(name)) return 'throttled';
  const fault = serverFault(e);
  if (fault !== undefined) return fault;
  if (!retryHere(e)) return undefined;
  const codes = cancellationCodes(e);
  return codes.includes('ThrottlingError') || codes.includes('ProvisionedThroughputExceeded') ? 'throttled' : 'contention';
}
