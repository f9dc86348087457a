/**
 * CloudEvents 1.0 (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md), structured
 * JSON form. A small model of our own rather than the `cloudevents` SDK: the SDK pulls in ajv and
 * more than doubles a function bundle, while the product needs only the JSON form and validation.
 */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: T;
  /** Binary data, Base64 (JSON format section 3.1); never together with `data`. */
  data_base64?: string;
  /** Extension attributes: lower-case a-z0-9 (spec 1.0 naming rule; 20 characters at most is only a SHOULD). */
  [extension: string]: unknown;
}

/** Event types users route on. Keep them stable: routes are written against them. */
export const EVENT_TYPES = {
  findingCreated: 'secorch.finding.created',
  findingUpdated: 'secorch.finding.updated',
  findingResolved: 'secorch.finding.resolved',
  webhookReceived: 'secorch.webhook.received',
  auditWebhookRejected: 'secorch.audit.webhook.rejected',
  /** Identity events (Okta event hooks), named after their OCSF class. */
  iamAuthentication: 'secorch.iam.authentication',
  iamAccountChange: 'secorch.iam.account_change',
  iamUserAccess: 'secorch.iam.user_access',
  iamGroupManagement: 'secorch.iam.group_management',
} as const;

/**
 * Spec 1.0.2 "Attribute Naming Convention": names MUST be lower-case ASCII letters and digits;
 * that they SHOULD NOT exceed 20 characters is advice to whoever names one, not a condition of
 * validity: a receiver that refused longer names would drop conforming events. Their length is
 * bounded by the body and header limits.
 */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;

/**
 * A leap second (`23:59:60`, RFC 3339 section 5.7) read as the second before it: Date.parse
 * refuses second 60, and would refuse an event stamped in one.
 */
const withoutLeapSecond = (time: string) => time.replace(/([Tt]\d{2}:\d{2}:)60(?=[.Zz+-]|$)/, '$159');

/** Epoch ms of an RFC 3339 time, a leap second read as the second before it; NaN when Date.parse cannot read it. */
export const timeMs = (time: string): number => Date.parse(withoutLeapSecond(time));

/** Returns the problems of an event as `attribute: reason` strings; empty when valid. */
export function validateCloudEvent(e: unknown): string[] {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return ['event: must be a JSON object'];
  const ev = e as Record<string, unknown>;
  const problems: string[] = [];
  if (ev.specversion !== '1.0') problems.push('specversion: must be "1.0"');
  for (const name of ['id', 'source', 'type'] as const) {
    if (typeof ev[name] !== 'string' || (ev[name] as string).length === 0) problems.push(`${name}: required non-empty string`);
  }
  if (ev.time !== undefined && (typeof ev.time !== 'string' || Number.isNaN(timeMs(ev.time)))) {
    problems.push('time: must be an RFC 3339 timestamp');
  }
  for (const name of ['subject', 'datacontenttype', 'dataschema'] as const) {
    if (ev[name] !== undefined && typeof ev[name] !== 'string') problems.push(`${name}: must be a string`);
  }
  for (const name of Object.keys(ev)) {
    if (name === 'data' || name === 'data_base64') continue;
    if (!ATTRIBUTE_NAME.test(name)) problems.push(`${name}: attribute names are lower-case a-z and 0-9`);
  }
  return problems;
}

/** String value of a context attribute as the filter dialects see it (spec: canonical string form). */
export function attributeString(e: CloudEvent, name: string): string | undefined {
  if (name === 'data' || name === 'data_base64') return undefined;
  const v = e[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}
