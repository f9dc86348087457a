import * as z from 'zod/mini';

const nonEmpty = z.string().check(z.minLength(1));

/**
 * A service URL or endpoint. z.url() alone takes any scheme, so a queue ARN
 * (`arn:aws:sqs:...`) or an endpoint written without its scheme (`localhost:4566`, scheme
 * "localhost") would pass and fail on every call.
 */
export const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * `bus`: where ingress and the API publish events for the router. Unset: the runtime's default
 * (SQS on AWS, Storage Queue on Azure, Pub/Sub on Google Cloud, SQLite locally). Each runtime
 * offers only its own types (README "Event bus"); the router's trigger must consume the same
 * queue, bus or topic, which is deploy wiring (serverless.yml, app settings), not configuration.
 */
export const busSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local') }),
  z.strictObject({ type: z.literal('sqs'), queueUrl: httpUrl, endpoint: z.optional(httpUrl) }),
  z.strictObject({
    type: z.literal('eventbridge'),
    /** Event bus name or ARN (PutEvents EventBusName accepts either). */
    busName: nonEmpty,
    /**
     * Source of every entry; the bus rule that targets the router matches on it. `aws.` prefixes
     * are reserved for AWS services and rejected by PutEvents.
     * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html
     */
    source: z._default(nonEmpty.check(z.refine((s) => !s.startsWith('aws.'), 'must not start with "aws." (reserved for AWS services)')), 'secorch'),
    endpoint: z.optional(httpUrl),
  }),
  z.strictObject({ type: z.literal('storage-queue'), queue: nonEmpty, connectionString: z.optional(nonEmpty) }),
  z.strictObject({
    type: z.literal('service-bus'),
    /** Queue or topic name. */
    entity: nonEmpty,
    /** Fully qualified namespace, e.g. `contoso.servicebus.windows.net` (managed identity), or a connection string. */
    namespace: z.optional(nonEmpty.check(z.regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'must be the fully qualified namespace, e.g. contoso.servicebus.windows.net'))),
    connectionString: z.optional(nonEmpty),
    /** Largest message the entity takes: 256 on Standard (the default), up to 102400 on Premium. */
    maxMessageKilobytes: z.optional(z.number().check(z.int(), z.positive(), z.lte(102400))),
  }).check(z.refine((b) => (b.namespace === undefined) !== (b.connectionString === undefined), {
    message: 'give namespace (managed identity) or connectionString, exactly one',
    path: ['namespace'],
  })),
  z.strictObject({ type: z.literal('pubsub'), topic: nonEmpty, projectId: z.optional(nonEmpty) }),
]);

export type BusConfig = z.output<typeof busSchema>;
