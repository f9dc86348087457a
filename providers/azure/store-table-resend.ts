import type { TableClient } from '@azure/data-tables';

/**
 * Whether the SDK sent a failed write more than once. Its retry policy resends a request whose
 * answer was lost (a reset connection, a 500 OperationTimedOut after the service wrote), and a
 * resent conditional write then fails its condition (409 on create, 412 on the ETag) on what its
 * first send wrote. A 409/412 after one send is a lost race, nothing more; after two or more the
 * first may have been applied: if the entity now holds our version it was, if it holds another's
 * (a writer that came between the first send and the re-read) nobody can tell
 * (store-table-write.ts answers 503 then, not false).
 *
 * A policy after the retry phase counts the sends of each request object, which the retry policy
 * sends again as it is and which every RestError carries (`request`: the single-entity calls'
 * and the transaction's). It goes on the client's pipeline at first use, also on a client passed
 * in (it only counts); a client with no pipeline (a test double) counts nothing: one send.
 */
type Pipeline = TableClient['pipeline'];
const POLICY = 'secorchCountSends';
const sends = new WeakMap<object, number>();

export function countSends(client: TableClient): void {
  const pipeline = (client as { pipeline?: Partial<Pipeline> }).pipeline;
  if (typeof pipeline?.addPolicy !== 'function' || typeof pipeline.getOrderedPolicies !== 'function') return;
  if (pipeline.getOrderedPolicies().some((p) => p.name === POLICY)) return;
  pipeline.addPolicy({
    name: POLICY,
    sendRequest: (request, next) => {
      sends.set(request, (sends.get(request) ?? 0) + 1);
      return next(request);
    },
  }, { afterPhase: 'Retry' });
}

/** Whether the request that failed with `e` was sent more than once. */
export function resent(e: unknown): boolean {
  const request = (e as { request?: unknown } | null)?.request;
  return typeof request === 'object' && request !== null && (sends.get(request) ?? 0) > 1;
}
