/**
 * The OpenAPI 3.1 description of the REST API (merged into GET /openapi.json by
 * functions/health/openapi.ts). Every error is RFC 9457 problem+json; each response lists the
 * stable codes it can carry.
 */
import { DEAD_LETTER_KINDS } from '../../shared/deadletters/kinds';

const problem = (description: string, codes: string[]) => ({
  description: `${description} (${codes.join(', ')})`,
  content: { 'application/problem+json': { schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { properties: { code: { enum: codes } } }] } } },
});
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (schema: object, description: string, headers?: object) => ({ description, ...(headers ? { headers } : {}), content: { 'application/json': { schema } } });
const jsonBody = (schema: object, required = true) => ({ required, content: { 'application/json': { schema }, 'application/merge-patch+json': { schema } } });
const auth = (scope: string) => ({ security: [{ bearerAuth: [scope] }] });
const idParam = (name: string) => ({ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' }, description: `${name} id` });
const query = (name: string, schema: object, description: string) => ({ name, in: 'query', required: false, schema, description });
const paging = [
  query('limit', { type: 'integer', minimum: 1, maximum: 100, default: 20 }, 'Items per page'),
  query('cursor', { type: 'string' }, 'The next_cursor of the previous page (opaque)'),
];

const e401 = problem('Missing or invalid API key', ['unauthorized']);
const e403 = problem('The API key lacks the scope', ['forbidden_scope']);
const e404s = problem('No such subscription of this tenant', ['subscription_not_found']);
const e404d = problem('No such delivery of this tenant', ['delivery_not_found']);
const e404q = problem('No such dead letter of this tenant', ['dead_letter_not_found']);
const e400 = problem('Malformed request body', ['malformed_body']);
const e400q = problem('Invalid query parameter', ['invalid_query']);
const e413 = problem('Body over 64 KiB', ['payload_too_large']);
const e415 = problem('A declared charset other than UTF-8, or a compressed body (Content-Encoding other than identity)', ['unsupported_media_type', 'unsupported_content_encoding']);
const e422 = problem('Invalid subscription; extra.problems lists each as "path: reason"', ['invalid_subscription', 'url_scheme', 'url_credentials', 'url_blocked_address', 'url_invalid']);
const e422r = problem('Invalid request body; extra.problems lists each', ['invalid_request']);
const e409 = problem('Concurrent update; retry', ['concurrent_update']);
const STORE = ['store_unavailable', 'store_busy', 'store_full'];
const storeWhy = 'the state store is unreachable, throttled or busy (locally: busy, or its disk full); retry after Retry-After';
const e503 = problem(`Unavailable: ${storeWhy}`, STORE);
const e503s = problem(`No sealer for subscription secrets, or ${storeWhy}`, ['sealer_unavailable', ...STORE]);

export const apiPaths = {
  '/events': {
    post: {
      operationId: 'publishEvents', summary: 'Publish CloudEvents (structured, binary or batch mode)', ...auth('events:write'),
      description: 'The server stamps each event with the extension attributes tenant and origin (api:<key id>); events that set either are refused.',
      requestBody: {
        required: true,
        content: {
          'application/cloudevents+json': { schema: ref('CloudEvent') },
          'application/cloudevents-batch+json': { schema: { type: 'array', maxItems: 100, items: ref('CloudEvent') } },
          '*/*': { description: 'Binary mode: attributes in ce- headers, the body is the data' },
        },
      },
      responses: {
        '202': body({ type: 'object', required: ['ids'], properties: { id: { type: 'string', description: 'When exactly one event was sent' }, ids: { type: 'array', items: { type: 'string' } } } }, 'Published'),
        '400': problem('Not valid CloudEvents, a source the server keeps for its own events, or two events of a batch with one source and id', ['malformed_body', 'invalid_event', 'reserved_attribute', 'reserved_source', 'duplicate_event']), '401': e401, '403': e403,
        '413': problem('Too large, for the request or for the event bus (extra.published and extra.ids name what was published)', ['payload_too_large', 'batch_too_large', 'event_too_large']), '415': problem('Unsupported content type, or a compressed body (Content-Encoding other than identity)', ['unsupported_media_type', 'unsupported_content_encoding']),
        '503': problem('Publishing failed; extra.published and extra.ids name what was published, resending all is safe', ['publish_failed']),
      },
    },
  },
  '/subscriptions': {
    post: {
      operationId: 'createSubscription', summary: 'Create an outbound webhook subscription', ...auth('subscriptions:write'),
      requestBody: jsonBody(ref('SubscriptionInput')),
      responses: {
        '201': body(ref('SubscriptionCreated'), 'Created; the secret is shown only here and on rotation', { Location: { schema: { type: 'string' } } }),
        '400': e400, '401': e401, '403': e403, '413': e413, '415': e415, '422': e422, '503': e503s,
      },
    },
    get: {
      operationId: 'listSubscriptions', summary: "The tenant's subscriptions, oldest first", ...auth('subscriptions:read'), parameters: paging,
      responses: { '200': body(ref('SubscriptionPage'), 'A page'), '400': e400q, '401': e401, '403': e403, '503': e503 },
    },
  },
  '/subscriptions/{id}': {
    get: {
      operationId: 'getSubscription', summary: 'One subscription', ...auth('subscriptions:read'), parameters: [idParam('Subscription')],
      responses: { '200': body(ref('Subscription'), 'The subscription'), '401': e401, '403': e403, '404': e404s, '503': e503 },
    },
    patch: {
      operationId: 'updateSubscription', summary: 'Partial update (JSON merge patch: null removes a field; enabled: true re-enables; re-enabling or a new url resets the breaker and makes the deliveries it held back due now)',
      ...auth('subscriptions:write'), parameters: [idParam('Subscription')], requestBody: jsonBody(ref('SubscriptionPatch')),
      responses: { '200': body(ref('Subscription'), 'Updated'), '400': e400, '401': e401, '403': e403, '404': e404s, '409': e409, '413': e413, '415': e415, '422': e422, '503': e503 },
    },
    delete: {
      operationId: 'deleteSubscription', summary: 'Delete a subscription, for good: its pending deliveries end as failed (subscription_deleted) and none of its deliveries can be sent again', ...auth('subscriptions:write'), parameters: [idParam('Subscription')],
      responses: { '204': { description: 'Deleted', '503': e503 }, '401': e401, '403': e403, '404': e404s, '503': e503 },
    },
  },
  '/subscriptions/{id}/rotate-secret': {
    post: {
      operationId: 'rotateSubscriptionSecret', summary: 'New signing secret; the previous ones keep signing during the overlap', ...auth('subscriptions:write'),
      parameters: [idParam('Subscription')],
      requestBody: jsonBody({ type: 'object', additionalProperties: false, properties: { overlapSeconds: { type: 'integer', minimum: 0, maximum: 604800, default: 86400 } } }, false),
      responses: {
        '200': body({ type: 'object', required: ['secret', 'previousSecretExpiresAt'], properties: { secret: { type: 'string', pattern: '^whsec_' }, previousSecretExpiresAt: { type: 'string', format: 'date-time' } } }, 'Rotated'),
        '400': e400, '401': e401, '403': e403, '404': e404s, '409': problem('Concurrent update, retry; or a subscription keeps at most 5 secrets and 5 sign now: another rotation would drop one still within its overlap (oldestSecretExpiresAt says when the oldest stops; overlapSeconds 0 retires them all)', ['concurrent_update', 'too_many_secrets']), '413': e413, '415': e415, '422': e422r, '503': e503s,
      },
    },
  },
  '/subscriptions/{id}/recover': {
    post: {
      operationId: 'recoverDeliveries', summary: 'Make failed deliveries created in [since, until] pending again, due now', ...auth('deliveries:write'),
      parameters: [idParam('Subscription')],
      requestBody: jsonBody({ type: 'object', additionalProperties: false, required: ['since'], properties: { since: { type: 'string', format: 'date-time' }, until: { type: 'string', format: 'date-time', description: 'Default: now' }, resumeAfter: { type: 'string', description: 'The resumeAfter of the previous answer (opaque, valid for this subscription only), sent with the same since and until: the request goes on after the last delivery that one dealt with' } } }),
      responses: {
        '202': body({ type: 'object', required: ['recovered'], properties: { recovered: { type: 'integer' }, expired: { type: 'integer', description: 'Failed deliveries left as they are: their event is no longer kept (retentionDays)' }, complete: { const: false, description: 'Set when the request stopped before the end of the window: after reading 20,000 deliveries or 32 MiB of them, resending 1,000, or 5 s of work' }, resumeAfter: { type: 'string', description: 'Set with complete: send the request again with this resumeAfter and the same since (and until, if any) to go on' }, resumeSince: { type: 'string', format: 'date-time', deprecated: true, description: 'Set with complete: the creation time of the last delivery dealt with. Resuming with it as since cannot get past a millisecond holding more deliveries than one request reads: use resumeAfter' } } }, 'Recovered (recovered: how many were made pending again by this request)'),
        '400': problem('Malformed request body, or a resumeAfter this API did not return for this subscription', ['malformed_body', 'invalid_cursor']), '401': e401, '403': e403, '404': e404s, '409': problem('The subscription is disabled: enable it first', ['subscription_disabled']), '413': e413, '415': e415, '422': e422r, '503': e503,
      },
    },
  },
  '/deliveries': {
    get: {
      operationId: 'listDeliveries', summary: 'The delivery log, oldest first; a page may be short (even empty) with a next_cursor when filters are sparse', ...auth('deliveries:read'),
      parameters: [
        query('subscription', { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' }, 'Only this subscription'),
        query('status', { enum: ['pending', 'succeeded', 'failed'] }, 'Only this status'),
        query('since', { type: 'string', format: 'date-time' }, 'Created at or after'),
        query('until', { type: 'string', format: 'date-time' }, 'Created at or before'),
        ...paging,
      ],
      responses: { '200': body(ref('DeliveryPage'), 'A page'), '400': e400q, '401': e401, '403': e403, '503': e503 },
    },
  },
  '/deliveries/{id}': {
    get: {
      operationId: 'getDelivery', summary: 'One delivery with its attempts', ...auth('deliveries:read'), parameters: [idParam('Delivery')],
      responses: { '200': body(ref('Delivery'), 'The delivery'), '401': e401, '403': e403, '404': e404d, '503': e503 },
    },
  },
  '/deliveries/{id}/retry': {
    post: {
      operationId: 'retryDelivery', summary: 'Send a failed (or succeeded, to resend) delivery again, now', ...auth('deliveries:write'), parameters: [idParam('Delivery')],
      responses: { '202': body({ anyOf: [ref('Delivery'), ref('DeliveryRetried')] }, 'Pending again: the delivery with its attempts when the key also has deliveries:read, else only its id, status and next attempt'), '401': e401, '403': e403, '404': e404d, '409': problem('Cannot be sent again now: still pending, changed meanwhile, its subscription is disabled (enable it first) or deleted (for good), or its event is no longer kept; the record is left as it was', ['delivery_pending', 'concurrent_update', 'subscription_disabled', 'subscription_deleted', 'event_expired']), '503': e503 },
    },
  },
  '/dead-letters': {
    get: {
      operationId: 'listDeadLetters', summary: 'Inbound deliveries that could not be processed, oldest first, without bodies; a page may be short with a next_cursor when filters are sparse', ...auth('deliveries:read'),
      parameters: [
        query('kind', { enum: [...DEAD_LETTER_KINDS] }, 'Only this kind'),
        query('source', { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' }, 'Only this webhook source'),
        ...paging,
      ],
      responses: { '200': body(ref('DeadLetterPage'), 'A page'), '400': e400q, '401': e401, '403': e403, '503': e503 },
    },
  },
  '/dead-letters/{id}': {
    get: {
      operationId: 'getDeadLetter', summary: 'One dead letter with its raw body', ...auth('deliveries:read'), parameters: [idParam('Dead letter')],
      responses: { '200': body(ref('DeadLetter'), 'The dead letter'), '401': e401, '403': e403, '404': e404q, '503': e503 },
    },
    delete: {
      operationId: 'deleteDeadLetter', summary: 'Discard a dead letter', ...auth('deliveries:write'), parameters: [idParam('Dead letter')],
      responses: { '204': { description: 'Discarded', '503': e503 }, '401': e401, '403': e403, '404': e404q, '503': e503 },
    },
  },
  '/dead-letters/{id}/replay': {
    post: {
      operationId: 'replayDeadLetter', summary: 'Process a dead letter again: a webhook is mapped from its stored body and published, an event is published again, a storage notification is ingested again, an AWS service event (eventbridge) is run through cloud-findings again; the record is kept (replays counted)',
      ...auth('deliveries:write'), parameters: [idParam('Dead letter')],
      responses: {
        '202': body({ type: 'object', required: ['ids'], properties: { ids: { type: 'array', items: { type: 'string' } }, ingest: { type: 'array', description: 'kind notification: each object the notification names, ingested again (status ingested, duplicate, failed, skipped or missing)', items: { type: 'object', required: ['status'], properties: { status: { type: 'string' }, reason: { type: 'string' }, findings: { type: 'integer' }, format: { type: 'string' }, code: { type: 'string' } } } } } }, 'Published'),
        '401': e401, '403': e403, '404': e404q,
        '409': problem('The webhook source is no longer configured for this tenant, or a storage notification is replayed in a function without object storage', ['source_unknown', 'objects_unavailable']),
        '413': problem('An event is larger than the event bus accepts: no replay can succeed', ['publish_failed', 'event_too_large']),
        '422': problem('The stored body still cannot be processed', ['still_invalid']),
        '503': problem(`Publishing failed, the bus or object storage is unavailable, or ${storeWhy}; retry`, ['publish_failed', 'bus_unavailable', 'object_storage_unavailable', ...STORE]),
      },
    },
  },
} as const;
