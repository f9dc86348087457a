import * as z from 'zod/mini';
import { authSchema } from '../rest/auth';
import { headersSchema } from '../rest/headers';
import { onSchema } from '../rest/on';

/**
 * `type: graphql` destination: one operation per event, POSTed as
 * `{"query", "variables", "operationName"}` (https://graphql.github.io/graphql-over-http/draft/).
 * `variables` is a template object rendered against the CloudEvent (../template.ts); the document
 * itself is never templated, so event values reach the server only as variables.
 */
const nonEmpty = z.string().check(z.minLength(1));

export const graphqlDestinationSchema = z.strictObject({
  type: z.literal('graphql'),
  /** The GraphQL endpoint, e.g. https://api.github.com/graphql. */
  endpoint: z.url({ protocol: /^https?$/ }),
  /** The document: a query or a mutation (the operation first, or named by operationName). */
  query: nonEmpty,
  variables: z._default(z.record(nonEmpty, z.unknown()), {}),
  operationName: z.optional(nonEmpty),
  headers: headersSchema,
  auth: authSchema,
  /**
   * Errors with some data: `fail` (default) treats the operation as failed, since an action half
   * done should be retried or looked at; `accept` logs the error paths and counts it delivered.
   */
  partial: z._default(z.enum(['fail', 'accept']), 'fail'),
  /** Whether a repeat is harmless; default true for a query, false for a mutation. */
  idempotent: z.optional(z.boolean()),
  on: onSchema,
});

export type GraphQLConfig = z.output<typeof graphqlDestinationSchema>;
