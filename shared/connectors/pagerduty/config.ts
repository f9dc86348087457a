import * as z from 'zod/mini';
import { EVENT_TYPES } from '../../events/cloudevent';
import { templateProblems } from '../template';

/**
 * `type: pagerduty` destination: alert events of the Events API v2
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). `routingKey` is the
 * integration key of an "Events API v2" integration on a service (or a ruleset); it arrives
 * resolved from `${VAR}` or `secret://name` and is never logged. Which CloudEvent types trigger,
 * acknowledge or resolve an alert is configurable; other types are skipped.
 */
const nonEmpty = z.string().check(z.minLength(1));
const template = nonEmpty.check(z.refine((t) => templateProblems(t).length === 0, "has a {{ }} placeholder that is not a field path or 'quoted text'"));
const types = z.array(nonEmpty);

export const DEFAULT_SUMMARY = "[{{ data.severity || 'Unknown' }}] {{ data.finding_info.title || data.message || type }}";
export const DEFAULT_SOURCE = '{{ data.resources.0.uid || data.resources.0.name || data.cloud.account.uid || source }}';
/** The finding uid: stable for the finding's life, so every event of it lands on one alert. */
export const DEFAULT_DEDUP_KEY = '{{ data.finding_info.uid || subject || id }}';
export const DEFAULT_SEVERITY = '{{ data.severity_id || data.severity }}';
export const DEFAULT_CUSTOM_DETAILS: Record<string, string> = {
  finding_uid: '{{ data.finding_info.uid || subject }}',
  title: '{{ data.finding_info.title }}',
  description: '{{ data.finding_info.desc }}',
  severity: '{{ data.severity }}',
  status: '{{ data.status }}',
  product: '{{ data.metadata.product.name }}',
  resources: '{{ data.resources }}',
  event_type: '{{ type }}',
  event_id: '{{ id }}',
  event_source: '{{ source }}',
};

export const pagerdutyDestinationSchema = z.strictObject({
  type: z.literal('pagerduty'),
  routingKey: nonEmpty,
  /** Events API root; https://events.eu.pagerduty.com for EU accounts, a local server in tests. */
  baseUrl: z._default(z.url({ protocol: /^https?$/ }), 'https://events.pagerduty.com'),
  triggerOn: z._default(types, [EVENT_TYPES.findingCreated, EVENT_TYPES.findingUpdated]),
  acknowledgeOn: z._default(types, []),
  resolveOn: z._default(types, [EVENT_TYPES.findingResolved]),
  summary: z._default(template, DEFAULT_SUMMARY),
  source: z._default(template, DEFAULT_SOURCE),
  dedupKey: z._default(template, DEFAULT_DEDUP_KEY),
  /** Rendered, then mapped to critical/error/warning/info (severity.ts). */
  severity: z._default(template, DEFAULT_SEVERITY),
  component: z.optional(template),
  group: z.optional(template),
  class: z.optional(template),
  /** An object of templates; members that render empty are left out. */
  customDetails: z._default(
    z.record(nonEmpty, z.unknown()).check(z.refine((t) => templateProblems(t as never).length === 0, "has a {{ }} placeholder that is not a field path or 'quoted text'")),
    DEFAULT_CUSTOM_DETAILS,
  ),
  /** Shown as the alert's client link. */
  clientUrl: z.optional(z.url({ protocol: /^https?$/ })),
});

export type PagerDutyConfig = z.output<typeof pagerdutyDestinationSchema>;
