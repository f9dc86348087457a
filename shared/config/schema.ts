import * as z from 'zod/mini';
import { apiKeysSchema } from '../auth/api-keys';
import { auth0DestinationSchema } from '../connectors/auth0/config';
import { entraDestinationSchema } from '../connectors/entra/config';
import { graphqlDestinationSchema } from '../connectors/graphql/config';
import { jiraDestinationSchema } from '../connectors/jira/config';
import { oktaDestinationSchema } from '../connectors/okta/config';
import { pagerdutyDestinationSchema } from '../connectors/pagerduty/config';
import { restDestinationSchema } from '../connectors/rest/config';
import { servicenowDestinationSchema } from '../connectors/servicenow/config';
import { slackDestinationSchema } from '../connectors/slack/config';
import { teamsDestinationSchema } from '../connectors/teams/config';
import { busSchema, httpUrl } from './sections/bus';
import { dedupeTtlSeconds } from './sections/dedupe';
import { ingestSchema } from './sections/ingest';
import { schedulesSchema } from './sections/schedules';
import { secretsSchema } from './sections/secrets';
import { mapperConfigSchema } from '../mappers/config';
import { metricsSchema } from '../metrics/config';
import type { Filter } from '../routing/filter';
import { headerName, secretList, toleranceSeconds } from '../webhooks/schemes/config-parts';
import { handshakeVerifySchemas } from '../webhooks/schemes/handshake/config';
import { keysVerifySchemas } from '../webhooks/schemes/keys/config';
import { vendorVerifySchemas } from '../webhooks/schemes/vendor/config';

/**
 * The configuration schema (secorch.yaml). Strict everywhere: an unknown key is an error that
 * names its path. zod/mini keeps function bundles small (full zod is ~440 KB minified).
 */
const githubVerify = z.strictObject({ scheme: z.literal('github'), ...secretList });
const standardWebhooksVerify = z.strictObject({
  scheme: z.literal('standard-webhooks'),
  ...secretList,
  /** `whpk_` Ed25519 public keys for asymmetric (v1a) signatures. */
  publicKeys: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  toleranceSeconds: z.optional(toleranceSeconds),
});
const hmacVerify = z.strictObject({
  scheme: z.literal('hmac'),
  ...secretList,
  /** Header carrying the signature, e.g. X-Signature. */
  header: headerName,
  algorithm: z._default(z.enum(['sha256', 'sha512']), 'sha256'),
  encoding: z._default(z.enum(['hex', 'base64']), 'hex'),
  /** Text before the signature in the header, e.g. "sha256=". */
  prefix: z._default(z.string(), ''),
  /** Header carrying a Unix timestamp (seconds) that is part of the signed content. */
  timestampHeader: z.optional(headerName),
  toleranceSeconds: z.optional(toleranceSeconds),
  /** What is signed: "{body}" (default), or e.g. "{timestamp}.{body}", "{id}.{timestamp}.{body}". */
  signedContent: z._default(z.string(), '{body}'),
  /** Header carrying the sender's delivery id, used for replay protection. */
  idHeader: z.optional(headerName),
});

export const verifySchema = z.discriminatedUnion('scheme', [
  githubVerify,
  standardWebhooksVerify,
  hmacVerify,
  ...vendorVerifySchemas,
  ...keysVerifySchemas,
  ...handshakeVerifySchemas,
]);

/** Tenant names become part of state-store keys: no separators. */
const TENANT = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * The slowest rate, as for subscriptions (functions/api/subscription-input.ts): the bucket lives
 * for burst / perSecond seconds, and a slower one outlives what the state stores keep.
 */
const MIN_PER_SECOND = 0.0001;

const bucket = z.strictObject({
  /** Requests per second, sustained. */
  perSecond: z.number().check(z.gte(MIN_PER_SECOND, `must be at least ${MIN_PER_SECOND} (one every ${1 / MIN_PER_SECOND} seconds)`)),
  /** Requests allowed at once after a quiet period. */
  burst: z.number().check(z.int(), z.positive()),
});

const sourceSchema = z.strictObject({
  verify: verifySchema,
  /** Vendor payload -> normalized event. Without a mapper every payload is secorch.webhook.received. */
  mapper: z.optional(mapperConfigSchema),
  tenant: z._default(z.string().check(z.regex(TENANT)), 'default'),
  /** Body limit in bytes (default 1 MiB). */
  maxBodyBytes: z._default(z.number().check(z.int(), z.positive()), 1024 * 1024),
  /** Client addresses allowed to call this source (IPv4/IPv6 CIDRs); unset = any address. */
  allow: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  /** Token buckets for the whole source and for each client address (perClient defaults to the same). */
  rateLimit: z.optional(z.strictObject({ ...bucket.shape, perClient: z.optional(bucket) })),
  /** How long a delivery id is remembered for replay protection (default 3 days, at most a year). */
  dedupeTtlSeconds: z._default(dedupeTtlSeconds, 3 * 24 * 3600),
});

const routeSchema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  /** A CloudEvents Subscriptions filter; checked in detail by routing/filter. */
  filter: z.custom<Filter>((v) => typeof v === 'object' && v !== null),
  to: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
});

const fileDestination = z.strictObject({ type: z.literal('file'), path: z.string().check(z.minLength(1)) });
/** Events buffered in the state store, then written as gzip JSON Lines under year=/month=/day=/hour=. */
const archiveDestination = z.strictObject({
  type: z.literal('archive'),
  bucket: z.string().check(z.minLength(1)),
  prefix: z._default(z.string(), 'events/'),
  /** Flush when this many events are buffered, or on the archive-flush schedule (default 1000). */
  maxEvents: z._default(z.number().check(z.int(), z.positive(), z.lte(100_000)), 1000),
});
export const destinationSchema = z.discriminatedUnion('type', [
  fileDestination, archiveDestination, jiraDestinationSchema, servicenowDestinationSchema, slackDestinationSchema, teamsDestinationSchema, pagerdutyDestinationSchema,
  oktaDestinationSchema, entraDestinationSchema, auth0DestinationSchema, restDestinationSchema, graphqlDestinationSchema,
]);

const nonEmpty = z.string().check(z.minLength(1));

/** The state store of a deployment: each cloud's managed store, or one the user runs. */
const storeSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('memory') }),
  z.strictObject({ type: z.literal('sqlite'), path: z.optional(nonEmpty) }),
  /** AWS: one table, partition key `pk`, sort key `sk` (serverless.yml creates it). */
  z.strictObject({ type: z.literal('dynamodb'), table: nonEmpty, region: z.optional(nonEmpty), endpoint: z.optional(httpUrl) }),
  /** Azure: a table in the storage account; the connection string defaults to AzureWebJobsStorage. */
  z.strictObject({ type: z.literal('azure-table'), table: z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/)), connectionString: z.optional(nonEmpty) }),
  /** Google Cloud: a Firestore collection (native mode). */
  z.strictObject({ type: z.literal('firestore'), collection: nonEmpty, projectId: z.optional(nonEmpty), databaseId: z.optional(nonEmpty) }),
  /** Self-hosted: Redis (single instance or a primary) and PostgreSQL. */
  z.strictObject({ type: z.literal('redis'), url: nonEmpty, prefix: z.optional(nonEmpty) }),
  z.strictObject({ type: z.literal('postgres'), url: nonEmpty, table: z.optional(z.string().check(z.regex(/^[a-z_][a-z0-9_]{0,62}$/))) }),
]);

const ingressSchema = z.strictObject({
  /**
   * Proxies in front of the functions whose X-Forwarded-For entries are trusted (Azure and GCP:
   * the platform's front end appends the client address, so 1). AWS uses API Gateway's sourceIp.
   */
  trustedProxyHops: z._default(z.number().check(z.int(), z.nonnegative()), 1),
  /**
   * Read client-certificate facts from the headers the platform's front end sets for mTLS (Azure
   * `X-ARR-ClientCert`, a Google load balancer's mTLS custom headers). Only enable it where that
   * front end is the only way in, since it overwrites those headers; API Gateway's mTLS facts
   * come from the event and are always used.
   */
  trustClientCertHeaders: z._default(z.boolean(), false),
});

const egressSchema = z.strictObject({
  /** CIDR ranges outbound requests may reach besides public addresses. */
  allowPrivate: z._default(z.array(z.string().check(z.minLength(1))), []),
});

const apiSchema = z.strictObject({
  /** Key id -> { key, tenant, scopes }: `Authorization: Bearer <key>` on /events, /subscriptions, /deliveries. */
  keys: z._default(apiKeysSchema, {}),
});

const durationMs = z.number().check(z.int(), z.nonnegative());

const deliveriesSchema = z.strictObject({
  /** Outbound webhook retries: delays in ms before each attempt (index 0 = first attempt, 0). */
  retry: z.optional(z.strictObject({
    schedule: z.optional(z.array(durationMs).check(z.minLength(1), z.maxLength(20))),
    jitter: z.optional(z.number().check(z.gte(0), z.lt(1))),
    minAfterThrottleMs: z.optional(durationMs),
  })),
  /** Per-subscription circuit breaker. */
  breaker: z.optional(z.strictObject({
    failureThreshold: z.optional(z.number().check(z.int(), z.positive())),
    openForMs: z.optional(durationMs),
    maxOpenForMs: z.optional(durationMs),
    disableAfterMs: z.optional(durationMs),
  })),
  /** Deadline of one delivery request (default 15). */
  timeoutSeconds: z._default(z.number().check(z.positive(), z.lte(120)), 15),
  /** How long a worker owns an attempt before another may take it over (default: timeout + 15). */
  leaseSeconds: z.optional(z.number().check(z.positive())),
  /** How long events, deliveries and their attempt logs are kept (default 30). */
  retentionDays: z._default(z.number().check(z.int(), z.positive()), 30),
});

export const configSchema = z.strictObject({
  sources: z._default(z.record(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)), sourceSchema), {}),
  routes: z._default(z.array(routeSchema), []),
  // A name goes into state-store keys (ticket records, sync cursors, tokens), which hold 512 bytes.
  destinations: z._default(z.record(z.string().check(z.minLength(1), z.maxLength(128, 'a destination name is at most 128 characters')), destinationSchema), {}),
  /** State store; unset = the runtime's default (SQLite locally; see README for the clouds). */
  store: z.optional(storeSchema),
  ingress: z._default(ingressSchema, { trustedProxyHops: 1, trustClientCertHeaders: false }),
  egress: z._default(egressSchema, { allowPrivate: [] }),
  api: z._default(apiSchema, { keys: {} }),
  deliveries: z.optional(deliveriesSchema),
  secrets: z._default(secretsSchema, { provider: 'env', ttlSeconds: 300 }),
  /** Where events are published for the router; unset = the runtime's default queue. */
  bus: z.optional(busSchema),
  schedules: z._default(schedulesSchema, {}),
  ingest: z._default(ingestSchema, { tenant: 'default', quarantinePrefix: 'quarantine/', maxObjectBytes: 1024 ** 3 }),
  logLevel: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
  /** Counters as log lines (EMF on AWS); unset = on for the clouds, locally only at logLevel debug. */
  metrics: z.optional(metricsSchema),
});

export type Config = z.output<typeof configSchema>;
export type SourceConfig = Config['sources'][string];
export type VerifyConfig = SourceConfig['verify'];
export type DestinationConfig = Config['destinations'][string];
export type RouteConfig = Config['routes'][number];
