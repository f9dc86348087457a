import * as z from 'zod/mini';
import { authSchema } from './auth';
import { headersSchema } from './headers';
import { onSchema } from './on';

/**
 * `type: rest` destination: one HTTP request per event, every part of it a template rendered
 * against the CloudEvent (../template.ts). Semantic checks (placeholders, header names, the
 * literal method and path) are in problems.ts, reported with their config path.
 */
export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const nonEmpty = z.string().check(z.minLength(1));
/** A template: text, or an object or list of templates (rendered member by member). */
const bodyTemplate = z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

export const restDestinationSchema = z.strictObject({
  type: z.literal('rest'),
  /** API root; may carry a base path (`https://api.example.com/v2`), never a query or credentials. */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** One of GET, POST, PUT, PATCH, DELETE, or a template giving one. */
  method: z._default(nonEmpty, 'POST'),
  /** Appended to baseUrl; each `{{ }}` value is one encoded path segment. Unset: baseUrl itself. */
  path: z.optional(nonEmpty),
  /** Parameter -> template; a parameter that renders empty is left out, a list repeats it. */
  query: z._default(z.record(nonEmpty, z.string()), {}),
  headers: headersSchema,
  /** An object or list rendered to JSON, or a text template sent with `contentType`. */
  body: z.optional(bodyTemplate),
  /** Required with a text body; with a JSON body it replaces application/json (e.g. application/vnd.api+json). */
  contentType: z.optional(nonEmpty),
  auth: authSchema,
  /**
   * Whether a repeat is harmless, so 5xx answers and timeouts may be retried. Default: true for
   * GET, PUT and DELETE, false for POST and PATCH (true when idempotencyKeyHeader is set).
   */
  idempotent: z.optional(z.boolean()),
  /** Sends a key derived from the event (tenant, source, id) and destination name in this header, e.g. Idempotency-Key. */
  idempotencyKeyHeader: z.optional(nonEmpty),
  /** Statuses that mean done; default any 2xx. 4xx may be listed (404 for a DELETE of a gone record). */
  expectStatus: z.optional(z.array(z.int().check(z.gte(200), z.lte(499))).check(z.minLength(1))),
  on: onSchema,
});

export type RestConfig = z.output<typeof restDestinationSchema>;
