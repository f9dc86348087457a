import type { TableClient } from '@azure/data-tables';

/**
 * Whether a try of a failed write before its last one may have been applied. The SDK's retry
 * policy resends a request after a failed try, and a resent conditional write then fails its
 * condition (409 on create, 412 on the ETag) on what an earlier try wrote, if that try was
 * applied: if the entity now holds our version it was, if it holds another's (a writer that came
 * between that try and the re-read) nobody can tell (store-table-write.ts answers 503 then, not
 * false). Only some failed tries can have been applied:
 * - no answer (a reset connection, our per-try timeout) or a 5xx such as `500 OperationTimedOut`
 *   or `500 InternalError` ("the operation could not be completed within the specified time"):
 *   maybe applied;
 * - `503 ServerBusy` (the service "is currently unable to receive requests", or the account or a
 *   partition is over its limits), 429 (the Cosmos DB Table API's "request rate is large": "no
 *   changes were made") and the other 4xx but 408: refused before the write ran, so a resend after
 *   them is like a first send, and a 409/412 then is a lost race, nothing more.
 * https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes
 * https://learn.microsoft.com/azure/storage/tables/scalability-targets
 * https://learn.microsoft.com/azure/cosmos-db/nosql/troubleshoot-request-rate-too-large
 *
 * A policy after the retry phase (so once per try) notes each try of a request object, which the
 * retry policy sends again as it is and which every RestError carries (`request`: the
 * single-entity calls' and the transaction's): before a try, whether one before it may have been
 * applied. It goes on the client's pipeline at first use, also on a client passed in (it only
 * watches), once per client; a client with no pipeline (a test double) notes nothing: sure.
 */
type Pipeline = TableClient['pipeline'];
type Answer = { status: number; headers: { get(name: string): string | undefined }; bodyAsText?: string | null };
const POLICY = 'secorchNoteTries';

/** Requests one of whose tries so far may have been applied. */
const maybeApplied = new WeakSet<object>();
/** Requests one of whose tries before the latest may have been applied. */
const beforeLatest = new WeakSet<object>();

/** The service's error code: the `x-ms-error-code` header, else the JSON error body's. */
function errorCode(answer: Answer): string | undefined {
  const header = answer.headers.get('x-ms-error-code');
  if (header) return header;
  try {
    const code = (JSON.parse(answer.bodyAsText ?? '') as { 'odata.error'?: { code?: unknown } })['odata.error']?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the service refused a try before running it (see above); undefined: no answer. */
export function refusedTry(answer: Answer | undefined): boolean {
  if (!answer) return false;
  const { status } = answer;
  if (status === 503) return errorCode(answer) === 'ServerBusy';
  return status >= 400 && status < 500 && status !== 408;
}

export function noteTries(client: TableClient): void {
  const pipeline = (client as { pipeline?: Partial<Pipeline> }).pipeline;
  if (typeof pipeline?.addPolicy !== 'function' || typeof pipeline.getOrderedPolicies !== 'function') return;
  if (pipeline.getOrderedPolicies().some((p) => p.name === POLICY)) return;
  pipeline.addPolicy({
    name: POLICY,
    async sendRequest(request, next) {
      if (maybeApplied.has(request)) beforeLatest.add(request);
      let refused = false; // a try that throws got no answer
      try {
        const response = await next(request);
        refused = refusedTry(response);
        return response;
      } finally {
        if (!refused) maybeApplied.add(request);
      }
    },
  }, { afterPhase: 'Retry' });
}

/** Whether a try before the last one of the request that failed with `e` may have been applied. */
export function earlierTryMayHaveApplied(e: unknown): boolean {
  const request = (e as { request?: unknown } | null)?.request;
  return typeof request === 'object' && request !== null && beforeLatest.has(request);
}
