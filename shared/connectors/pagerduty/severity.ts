/**
 * PagerDuty's four severities (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/)
 * from an OCSF severity: severity_id 5-6 (Critical, Fatal) critical, 4 (High) error,
 * 3 (Medium) warning, anything lower or unknown info. Words are read the same way, and
 * PagerDuty's own words pass through, so a template may name one directly.
 */
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

const BY_ID: ReadonlyMap<number, PagerDutySeverity> = new Map([[6, 'critical'], [5, 'critical'], [4, 'error'], [3, 'warning']]);
/**
 * A Map, not an object literal: the word is event text, and `constructor` or `__proto__` looked
 * up in an object literal finds Object's own members, which would go out as the severity and
 * make PagerDuty refuse the event (400) on every delivery.
 */
const BY_WORD: ReadonlyMap<string, PagerDutySeverity> = new Map([
  ['fatal', 'critical'], ['critical', 'critical'], ['high', 'error'], ['error', 'error'], ['medium', 'warning'], ['moderate', 'warning'], ['warning', 'warning'],
]);

export function pagerdutySeverity(value: unknown): PagerDutySeverity {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (/^\d+$/.test(text)) return BY_ID.get(Number(text)) ?? 'info';
  return BY_WORD.get(text) ?? 'info';
}
