import type { HttpHandler } from '../../shared/contracts';
import { json } from '../../shared/http/body';
import { apiPaths } from '../api/openapi';
import { apiSchemas } from '../api/openapi-schemas';

const problem = {
  description: 'RFC 9457 problem details',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

const rateLimited = { ...problem, description: 'Rate limited; see Retry-After', headers: { 'Retry-After': { schema: { type: 'integer' } } } };

/** GET /health/ready's answer: why a dependency failed is only logged; a runtime's own check (a local worker) says why. */
const readiness = {
  type: 'object', required: ['status', 'checks'],
  properties: {
    status: { enum: ['ok', 'unavailable'] },
    checks: {
      type: 'array',
      items: {
        type: 'object', required: ['name', 'status', 'ms'],
        properties: {
          name: { type: 'string', description: 'store, bus, destination:<name>, objects:<bucket>, worker:<name> (locally), startup' },
          status: { enum: ['ok', 'failed'] },
          ms: { type: 'number' },
          reason: { type: 'string', description: 'Why a worker check failed: crash-looping, restarting, stopped, gone, starting or stuck, with details' },
        },
      },
    },
  },
};

/** The OpenAPI 3.1 description of the HTTP API: webhooks in, the REST API (functions/api/openapi.ts), health. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Security Orchestrator integration layer',
    version: '0.1.0',
    description: 'Signed webhooks in, normalized CloudEvents (OCSF findings) routed out, outbound webhook subscriptions and their delivery log. Same paths on AWS, Azure, GCP and locally.',
  },
  paths: {
    '/webhooks/{source}': {
      post: {
        operationId: 'receiveWebhook',
        summary: 'Receive a signed webhook from a configured source',
        parameters: [{ name: 'source', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } }],
        requestBody: { required: true, content: { 'application/json': {}, 'application/x-www-form-urlencoded': {}, 'text/plain': {} } },
        responses: {
          '202': {
            description: 'Accepted and queued',
            content: {
              'application/json': {
                schema: {
                  type: 'object', required: ['id'],
                  properties: {
                    id: { type: 'string', description: 'The first event published' },
                    ids: { type: 'array', items: { type: 'string' }, description: 'Every event published, when the delivery maps to several' },
                  },
                },
              },
            },
          },
          '200': {
            description: "A delivery already processed (replay), or a vendor's verification handshake answered: Event Grid's validation event (JSON), Slack's url_verification and Microsoft Graph's validationToken (the challenge as text)",
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { type: 'object', required: ['duplicate'], properties: { duplicate: { const: true } } },
                    { type: 'object', required: ['validationResponse'], properties: { validationResponse: { type: 'string' } } },
                  ],
                },
              },
              'text/plain': { schema: { type: 'string' } },
            },
          },
          '400': problem, '401': problem, '403': problem, '404': problem, '405': problem, '409': problem, '413': problem, '415': problem,
          '429': rateLimited,
          '500': problem,
          '503': problem,
        },
      },
      get: {
        operationId: 'webhookHandshake',
        summary: "A vendor's verification handshake (Okta event hooks); other sources answer 405",
        parameters: [{ name: 'source', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'Handshake answered',
            content: { 'application/json': { schema: { type: 'object', required: ['verification'], properties: { verification: { type: 'string' } } } } },
          },
          '400': problem, '401': problem, '403': problem, '404': problem, '405': problem, '413': problem, '415': problem, '429': rateLimited,
          '503': problem,
        },
      },
      options: {
        operationId: 'webhookAbuseProtection',
        summary: 'CloudEvents webhook abuse-protection handshake (Azure Event Grid); other sources answer 405',
        parameters: [{ name: 'source', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'Delivery consented: WebHook-Allowed-Origin and WebHook-Allowed-Rate are set' },
          '204': { description: 'No WebHook-Request-Origin: only the allowed methods (Allow) are answered' },
          '401': problem, '403': problem, '404': problem, '405': problem, '413': problem, '415': problem, '429': rateLimited,
          '503': problem,
        },
      },
    },
    ...apiPaths,
    '/health': { get: { operationId: 'health', summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
    '/health/ready': {
      get: {
        operationId: 'ready',
        summary: 'Readiness: each dependency checked (locally under npm start, each worker too)',
        responses: { '200': { description: 'Ready', content: { 'application/json': { schema: readiness } } }, '503': { description: 'A check failed', content: { 'application/json': { schema: readiness } } } },
      },
    },
    '/openapi.json': { get: { operationId: 'openapi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
  },
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http', scheme: 'bearer',
        description: 'API key from api.keys in the configuration: Authorization: Bearer <key>. The security requirement lists the scope each operation needs.',
      },
    },
    schemas: {
      ...apiSchemas,
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'code'],
        properties: {
          type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' },
          code: { type: 'string', description: 'Stable machine-readable error code' },
          detail: { type: 'string' }, instance: { type: 'string' },
          problems: { type: 'array', items: { type: 'string' }, description: 'Validation problems, each "path: reason"' },
          parameter: { type: 'string', description: 'The query parameter at fault (invalid_query)' },
          scope: { type: 'string', description: 'The scope the API key lacks (forbidden_scope)' },
        },
      },
    },
  },
} as const;

export const openapi: HttpHandler = async () => json(openApiDocument);
