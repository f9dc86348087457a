import { ConnectorError, type ConnectorErrorCode, type ConnectorErrorFacts } from '../errors';
import { type Scrub, truncate } from '../scrub';

/**
 * GraphQL errors as typed connector errors. A GraphQL server usually answers 200 and lists what
 * went wrong in `errors` (https://spec.graphql.org/October2021/#sec-Errors), so the transport's
 * status mapping never sees it. Servers put a machine-readable class in `extensions.code`
 * (Apollo: UNAUTHENTICATED, FORBIDDEN; Shopify: THROTTLED) or `type` (GitHub: NOT_FOUND,
 * FORBIDDEN, RATE_LIMITED); the known ones map to the framework's codes, the rest are rejections.
 */
export interface GraphQLError {
  message?: unknown;
  path?: unknown;
  type?: unknown;
  extensions?: { code?: unknown } | null;
}

const CODES: Record<string, [ConnectorErrorCode, (c: string) => string]> = {
  UNAUTHENTICATED: ['connector_auth_failed', (c) => `check the credentials of ${c}`],
  FORBIDDEN: ['connector_forbidden', (c) => `the account of ${c} lacks a permission or scope for it`],
  NOT_FOUND: ['connector_not_found', () => 'check the identifiers in the variables'],
  THROTTLED: ['connector_rate_limited', () => 'retry later or lower the request rate'],
  RATE_LIMITED: ['connector_rate_limited', () => 'retry later or lower the request rate'],
};
const REJECTED: [ConnectorErrorCode, (c: string) => string] = ['connector_rejected', () => 'fix the query or the variables the message points at'];

/** How many messages an error quotes, and how much of each. */
const QUOTED = 3;
const MESSAGE_LENGTH = 200;

export const isErrorList = (v: unknown): v is GraphQLError[] => Array.isArray(v) && v.every((e) => typeof e === 'object' && e !== null);

export function errorCode(e: GraphQLError): string | undefined {
  const code = e.extensions?.code ?? e.type;
  // Codes are identifiers; anything else is not one, and is not quoted.
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code.toUpperCase() : undefined;
}

/** `path` of each error as `a.b.0.c`: field names and list indexes from the document, no values. */
export const errorPaths = (errors: readonly GraphQLError[]): string[] =>
  errors.flatMap((e) => (Array.isArray(e.path) ? [e.path.map(String).join('.')] : []));

/** The first messages, scrubbed of credentials and truncated; a count of the rest. */
export function quoteErrors(errors: readonly GraphQLError[], scrub: Scrub): string {
  const quoted = errors.slice(0, QUOTED).map((e) => truncate(scrub(typeof e.message === 'string' ? e.message : 'no message'), MESSAGE_LENGTH));
  const more = errors.length - quoted.length;
  return quoted.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/**
 * The error for an answer carrying `errors`: with no data (nothing was done, or only partly and
 * unreported) or with partial data under `partial: fail`. The first known class decides the code.
 */
export function graphqlError(errors: readonly GraphQLError[], facts: ConnectorErrorFacts & { operation: string }, scrub: Scrub, partial: boolean): ConnectorError {
  const [code, fix] = errors.map(errorCode).map((k) => (k === undefined ? undefined : CODES[k])).find((m) => m !== undefined) ?? REJECTED;
  const quoted = quoteErrors(errors, scrub);
  const what = partial ? 'returned errors with partial data' : 'returned errors and no data';
  return new ConnectorError(code, `${facts.connector}: the GraphQL ${facts.operation} ${what}: ${quoted}; ${fix(facts.connector)}`, {
    ...facts,
    vendorMessage: quoted,
    graphqlCodes: [...new Set(errors.map(errorCode).filter((k) => k !== undefined))],
    errorPaths: errorPaths(errors),
    partial,
  });
}
