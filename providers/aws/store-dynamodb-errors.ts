/**
 * DynamoDB answers that a prompt retry may cure but that the SDK never retries (HTTP 400s outside
 * its throttling list):
 * - TransactionConflictException: a PutItem or DeleteItem on an item a transaction holds;
 * - TransactionCanceledException whose reasons are only TransactionConflict (a concurrent
 *   transaction), ThrottlingError or ProvisionedThroughputExceeded ("insufficient provisioned
 *   capacity for the transaction", an on-demand table still scaling), the others None.
 * A cancellation naming ConditionalCheckFailed is the store's `false` (store-dynamodb.ts); one
 * naming ValidationError or ItemCollectionSizeLimitExceeded fails the same way every time. What
 * outlasts the retries keeps its error, as the service's own answers do (unavailable.ts).
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
