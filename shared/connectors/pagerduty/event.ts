import type { CloudEvent } from '../../events/cloudevent';
import { safeLink } from '../slack/summary';
import { render, renderText } from '../template';
import { clip } from '../../events/text-cut';
import type { PagerDutyConfig } from './config';
import { dedupKey } from './dedup-key';
import { fitEvent } from './fit';
import { pagerdutySeverity } from './severity';

/**
 * The Events API v2 body for a CloudEvent (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/).
 * A trigger carries the payload (summary, source, severity, custom_details ...); acknowledge and
 * resolve carry only the routing key and dedup_key, as documented. The dedup_key is the finding
 * uid scoped by tenant (dedup-key.ts), so redeliveries and later events of one finding land on the
 * same alert (PagerDuty applies a repeated trigger to the open alert instead of opening a second
 * one) and tenants never share an alert.
 */
export type EventAction = 'trigger' | 'acknowledge' | 'resolve';

export interface PagerDutyEvent {
  routing_key: string;
  event_action: EventAction;
  dedup_key: string;
  payload?: Record<string, unknown>;
  links?: { href: string; text: string }[];
  client?: string;
  client_url?: string;
}

/** Documented limit of summary: 1024 characters (dedup_key: dedup-key.ts). */
const SUMMARY_MAX = 1024;

/** The action a CloudEvent type maps to, or undefined when the destination skips that type. */
export function actionFor(type: string, c: Pick<PagerDutyConfig, 'triggerOn' | 'acknowledgeOn' | 'resolveOn'>): EventAction | undefined {
  if (c.resolveOn.includes(type)) return 'resolve';
  if (c.acknowledgeOn.includes(type)) return 'acknowledge';
  if (c.triggerOn.includes(type)) return 'trigger';
  return undefined;
}

const text = (v: unknown) => (v === undefined || v === null ? undefined : (typeof v === 'object' ? JSON.stringify(v) : String(v)).trim() || undefined);

export function pagerdutyEvent(event: CloudEvent, action: EventAction, c: PagerDutyConfig): PagerDutyEvent {
  const base = { routing_key: c.routingKey, event_action: action, dedup_key: dedupKey(event, c.dedupKey) };
  if (action !== 'trigger') return base;
  const summary = renderText(c.summary, event, 'summary');
  const payload: Record<string, unknown> = {
    // Cut without splitting an emoji: half a surrogate pair is not valid Unicode (../text-cut.ts).
    summary: clip(summary, SUMMARY_MAX),
    source: renderText(c.source, event, 'source'),
    severity: pagerdutySeverity(render(c.severity, event)),
  };
  if (typeof event.time === 'string') payload.timestamp = event.time;
  for (const field of ['component', 'group', 'class'] as const) {
    const v = c[field] === undefined ? undefined : text(render(c[field], event));
    if (v !== undefined) payload[field] = v;
  }
  const details = render(c.customDetails as never, event) as Record<string, unknown>;
  if (Object.keys(details).length > 0) payload.custom_details = details;
  const link = safeLink(render('{{ data.finding_info.src_url }}', event));
  return fitEvent({
    ...base,
    payload,
    ...(link ? { links: [{ href: link, text: 'View finding' }] } : {}),
    client: 'secorch',
    ...(c.clientUrl ? { client_url: c.clientUrl } : {}),
  });
}
