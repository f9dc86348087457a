/** Component schemas of the REST API's OpenAPI description (see ./openapi.ts). */
import { DEAD_LETTER_KINDS } from '../../shared/deadletters/kinds';

const dateTime = { type: 'string', format: 'date-time' } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const fields = {
  url: { type: 'string', minLength: 1, maxLength: 2048, description: 'http(s); no credentials; private or reserved IP literals only inside egress.allowPrivate' },
  filter: { ...ref('Filter'), description: 'CloudEvents Subscriptions filter; absent = every event of the tenant' },
  transform: { type: 'string', maxLength: 8192, description: 'JSONata expression applied to the event; its result replaces data' },
  headers: {
    type: 'object', maxProperties: 20, propertyNames: { maxLength: 128 }, additionalProperties: { type: 'string', maxLength: 4096 },
    description: 'Extra request headers. Values of credential-like names read back as "[redacted]"; sending "[redacted]" keeps the stored value',
  },
  rateLimit: {
    type: 'object', additionalProperties: false, required: ['perSecond'],
    properties: { perSecond: { type: 'number', minimum: 0.0001, maximum: 1000 }, burst: { type: 'integer', minimum: 1, maximum: 10000 } },
  },
  enabled: { type: 'boolean', default: true },
} as const;

const delivery = {
  id: { type: 'string', description: 'Also the webhook-id header' }, subscriptionId: { type: 'string' }, eventId: { type: 'string' },
  eventSource: { type: 'string', description: 'The event source; with eventId it identifies the event' }, eventType: { type: 'string' },
  status: { enum: ['pending', 'succeeded', 'failed'] }, lastError: { type: 'string' },
  nextAttemptAt: dateTime, createdAt: dateTime, updatedAt: dateTime,
} as const;

const nullable = (s: object) => ({ oneOf: [s, { type: 'null' }] });

export const apiSchemas = {
  CloudEvent: {
    type: 'object', required: ['specversion', 'id', 'source', 'type'],
    properties: { specversion: { const: '1.0' }, id: { type: 'string' }, source: { type: 'string' }, type: { type: 'string' }, time: dateTime, subject: { type: 'string' }, datacontenttype: { type: 'string' }, dataschema: { type: 'string' }, data: {}, data_base64: { type: 'string' } },
    not: { anyOf: [{ required: ['tenant'] }, { required: ['origin'] }] },
  },
  Filter: {
    type: 'object', minProperties: 1, maxProperties: 1,
    description: 'One dialect: exact, prefix, suffix ({attribute: value}), all/any ([Filter]), not (Filter) or sql (CloudEvents SQL)',
    additionalProperties: false,
    properties: { exact: { type: 'object' }, prefix: { type: 'object' }, suffix: { type: 'object' }, all: { type: 'array' }, any: { type: 'array' }, not: { type: 'object' }, sql: { type: 'string' } },
  },
  SubscriptionInput: { type: 'object', additionalProperties: false, required: ['url'], properties: fields },
  SubscriptionPatch: {
    type: 'object', additionalProperties: false,
    properties: { url: fields.url, filter: nullable(fields.filter), transform: nullable(fields.transform), headers: nullable(fields.headers), rateLimit: nullable(fields.rateLimit), enabled: { type: 'boolean', description: 'Absent: unchanged; true re-enables a disabled subscription' } },
  },
  Subscription: {
    type: 'object', required: ['id', 'tenant', 'url', 'enabled', 'createdAt', 'updatedAt'],
    properties: {
      id: { type: 'string' }, tenant: { type: 'string' }, ...fields,
      disabledReason: { type: 'string', description: 'gone (HTTP 410), failing (days of failure) or user' },
      createdAt: dateTime, updatedAt: dateTime,
    },
  },
  SubscriptionCreated: {
    allOf: [ref('Subscription'), { type: 'object', required: ['secret'], properties: { secret: { type: 'string', pattern: '^whsec_', description: 'Standard Webhooks signing secret; shown only now' } } }],
  },
  SubscriptionPage: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Subscription') }, next_cursor: { type: 'string' } } },
  DeliverySummary: {
    type: 'object', required: ['id', 'subscriptionId', 'eventId', 'eventType', 'status', 'attempts', 'createdAt', 'updatedAt'],
    properties: { ...delivery, attempts: { type: 'integer', description: 'How many attempts were made' } },
  },
  DeliveryPage: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('DeliverySummary') }, next_cursor: { type: 'string' } } },
  Attempt: {
    type: 'object', required: ['n', 'at', 'durationMs'],
    properties: {
      n: { type: 'integer' }, at: dateTime, status: { type: 'integer' }, error: { type: 'string' }, durationMs: { type: 'integer' },
      responseBody: { type: 'string', description: 'The first 20 KB of the response; absent once the response is no longer kept' },
      responseHeaders: { type: 'object', additionalProperties: { type: 'string' }, description: 'Absent once the response is no longer kept' },
    },
  },
  Delivery: {
    type: 'object', required: ['id', 'tenant', 'subscriptionId', 'eventId', 'eventType', 'status', 'attempts', 'createdAt', 'updatedAt'],
    properties: { ...delivery, tenant: { type: 'string' }, attempts: { type: 'array', items: ref('Attempt') } },
  },
  DeliveryRetried: {
    type: 'object', required: ['id', 'status', 'nextAttemptAt'],
    properties: { id: { type: 'string' }, status: { const: 'pending' }, nextAttemptAt: dateTime },
  },
  DeadLetterSummary: {
    type: 'object', required: ['id', 'tenant', 'kind', 'reason', 'receivedAt', 'encoding', 'replays'],
    properties: {
      id: { type: 'string' }, tenant: { type: 'string' }, kind: { enum: [...DEAD_LETTER_KINDS], description: 'webhook, event (the router), notification (storage-ingest), eventbridge (cloud-findings: the EventBridge event as received)' }, source: { type: 'string', description: 'The webhook source (kind webhook)' },
      reason: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
      receivedAt: dateTime, encoding: { enum: ['utf8', 'base64'], description: 'How body is encoded: text, or base64 when the bytes are not valid UTF-8' },
      deliveryId: { type: 'string', description: "The sender's verified delivery id" }, event: { type: 'string', description: "The sender's event name" },
      replays: { type: 'integer' }, lastReplayAt: dateTime,
      failures: { type: 'integer', minimum: 1, description: 'How often this delivery failed (a sender retry or a redelivered message counts here, not as a new record)' },
      lastFailedAt: { ...dateTime, description: 'When it last failed; reason is the latest' },
    },
  },
  DeadLetterPage: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('DeadLetterSummary') }, next_cursor: { type: 'string' } } },
  DeadLetter: {
    allOf: [ref('DeadLetterSummary'), {
      type: 'object', required: ['body'],
      properties: {
        body: { type: 'string', description: 'The raw body as received (see bodyRedacted)' },
        bodyRedacted: { const: true, description: "Present when the source's scheme carries its credential in the body (Microsoft Graph clientState): body is then the parsed body without it, serialised again (empty if it does not parse); a replay still uses the raw bytes" },
        headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Webhooks: content-type only' },
      },
    }],
  },
} as const;
