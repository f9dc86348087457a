import type { PagerDutyEvent } from './event';

/**
 * "Events API payloads are limited to 512 KB" (https://developer.pagerduty.com/docs/events-api-v2/overview/#size-limits).
 * A larger event is refused whole, so a finding with a long description or many resources would
 * never page anyone, on every redelivery. custom_details is the only open-ended part (summary is
 * cut to 1024 characters): when the event is over the limit, its members are kept in order while
 * they fit, and the names of those left out are listed in `omitted_for_size`.
 */
export const MAX_EVENT_BYTES = 512 * 1000; // KB read as 1000 bytes: within the limit whichever KB is meant
export const OMITTED = 'omitted_for_size';

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

export function fitEvent(event: PagerDutyEvent, max = MAX_EVENT_BYTES): PagerDutyEvent {
  const details = event.payload?.custom_details as Record<string, unknown> | undefined;
  if (details === undefined || bytes(event) <= max) return event;
  const names = Object.keys(details);
  const kept: Record<string, unknown> = {};
  const omitted: string[] = [];
  // Room for the names of all members, so listing them never breaks the budget.
  const shell = { ...event, payload: { ...event.payload, custom_details: { [OMITTED]: names } } };
  let left = max - bytes(shell);
  for (const name of names) {
    const cost = bytes({ [name]: details[name] }); // the member with its braces: an upper bound of its share
    if (cost <= left) {
      kept[name] = details[name];
      left -= cost;
    } else {
      omitted.push(name);
    }
  }
  return { ...event, payload: { ...event.payload, custom_details: { ...kept, [OMITTED]: omitted } } };
}
