import * as z from 'zod/mini';

const nonEmpty = z.string().check(z.minLength(1));

/**
 * `bus`: where ingress and the API publish events for the router. Unset: the runtime's default
 * (SQS on AWS, Storage Queue on Azure, Pub/Sub on Google Cloud, SQLite locally).
 */
export const busSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local') }),
  z.strictObject({ type: z.literal('sqs'), queueUrl: z.url(), endpoint: z.optional(z.url()) }),
  z.strictObject({ type: z.literal('eventbridge'), busName: nonEmpty, source: z._default(nonEmpty, 'secorch'), endpoint: z.optional(z.url()) }),
  z.strictObject({ type: z.literal('storage-queue'), queue: nonEmpty, connectionString: z.optional(nonEmpty) }),
  z.strictObject({
    type: z.literal('service-bus'),
    /** Queue or topic name. */
    entity: nonEmpty,
    /** Fully qualified namespace (identity auth), or a connection string. */
    namespace: z.optional(nonEmpty),
    connectionString: z.optional(nonEmpty),
  }),
  z.strictObject({ type: z.literal('pubsub'), topic: nonEmpty, projectId: z.optional(nonEmpty) }),
]);
