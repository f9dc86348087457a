import { redactUrlPath } from '../../log/url';
import { tryJson } from '../body';
import { ConnectorError, type ConnectorErrorFacts, isConnectorError } from '../errors';
import { finalWhenUnsure } from '../outcome';
import type { GenericClient } from '../rest/transport';
import { requestId } from '../vendor-error';
import type { OperationKind } from './document';
import { type GraphQLError, graphqlError, isErrorList } from './errors';

/**
 * One GraphQL operation over POST (https://graphql.github.io/graphql-over-http/draft/#sec-POST).
 * HTTP errors go through the transport's mapping (401, 403, 429 with Retry-After, 5xx retried
 * only when the operation is idempotent; otherwise a 5xx or a timeout is final, since a redelivery
 * would send the mutation again); a 4xx whose body lists GraphQL errors quotes them.
 * Errors without data are thrown here, and so is an answer with neither (`{"data": null}`,
 * `{"errors": []}`); errors with partial data are returned for the caller's `partial` policy, with
 * the facts an error needs.
 */
export interface GraphQLOperation {
  kind: OperationKind;
  query: string;
  variables: unknown;
  operationName?: string;
  headers: Record<string, string>;
  idempotent: boolean;
}

export interface Executed {
  data: unknown;
  /** Non-empty only with partial data. */
  errors: GraphQLError[];
  facts: ConnectorErrorFacts & { operation: string };
}

/** The GraphQL-over-HTTP media type first, JSON for servers that predate it. */
const ACCEPT = 'application/graphql-response+json, application/json;q=0.9';

export async function execute(client: GenericClient, endpoint: string, op: GraphQLOperation): Promise<Executed> {
  const { transport: t, scrub } = client;
  const operation = op.operationName ? `${op.kind} ${op.operationName}` : op.kind;
  const body = { query: op.query, variables: op.variables, ...(op.operationName ? { operationName: op.operationName } : {}) };
  let res;
  try {
    res = await t.request({ method: 'POST', url: endpoint, headers: { ...op.headers, accept: ACCEPT }, body, idempotent: op.idempotent, expect: 'json' });
  } catch (e) {
    const status = isConnectorError(e) ? e.facts.vendorStatus : undefined;
    if (isConnectorError(e) && status !== undefined && status >= 300 && status <= 399) {
      // The destination's client does not follow redirects (destination.ts); the Location is not quoted, it may hold anything.
      throw new ConnectorError('connector_rejected', `${t.name}: the GraphQL ${operation} was redirected (HTTP ${status}); redirects are not followed: set the endpoint of ${t.name} to the final address`, { ...e.facts, operation }, e);
    }
    // The body in the error is scrubbed and capped; when it still parses, its errors say more.
    const listed = isConnectorError(e) && e.code === 'connector_rejected' ? (tryJson(String(e.facts.body ?? '')) as { errors?: unknown } | undefined)?.errors : undefined;
    if (!isConnectorError(e) || !isErrorList(listed) || listed.length === 0) {
      // A mutation that may have been applied (5xx, timeout) fails for good unless marked idempotent (../outcome.ts).
      throw finalWhenUnsure(e, op.idempotent, `set idempotent: true on ${t.name} if repeats are harmless`, `the GraphQL ${operation}`);
    }
    throw graphqlError(listed, { ...e.facts, operation }, scrub, false);
  }
  const answered = new URL(res.url);
  const facts = { connector: t.name, method: 'POST', path: redactUrlPath(answered.hostname, answered.pathname), vendorStatus: res.status, requestId: requestId(res.headers), operation };
  const answer = res.body as { data?: unknown; errors?: unknown } | undefined;
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer) || !('data' in answer || 'errors' in answer)) {
    throw new ConnectorError('connector_bad_response', `${t.name}: the answer to the GraphQL ${operation} is not a GraphQL response; check the endpoint of ${t.name}`, facts);
  }
  const errors = answer.errors ?? [];
  if (!isErrorList(errors)) throw new ConnectorError('connector_bad_response', `${t.name}: the answer to the GraphQL ${operation} has malformed errors`, facts);
  const data = answer.data ?? undefined;
  if (data !== undefined) return { data, errors, facts };
  if (errors.length > 0) throw graphqlError(errors, facts, scrub, false);
  // An answer without data (or with data null: an error stopped the operation) must list its
  // errors (https://spec.graphql.org/October2021/#sec-Response-Format). One that does not is not
  // the operation done; it is final like the other malformed answers (a mutation may have run).
  throw new ConnectorError('connector_bad_response', `${t.name}: the answer to the GraphQL ${operation} has no data and lists no errors, which a GraphQL response cannot be; check the endpoint of ${t.name}`, facts);
}
