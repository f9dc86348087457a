/**
 * PagerDuty's four severities (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/)
 * from an OCSF severity: severity_id 5-6 (Critical, Fatal) critical, 4 (High) error,
 * 3 (Medium) warning, anything lower or unknown info. Words are read the same way, and
 * PagerDuty's own words pass through, so a template may name one directly.
 */
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

const BY_ID: Record<number, PagerDutySeverity> = { 6: 'critical', 5: 'critical', 4: 'error', 3: 'warning' };
const BY_WORD: Record<string, PagerDutySeverity> = {
  fatal: 'critical', critical: 'critical', high: 'error', error: 'error', medium: 'warning', moderate: 'warning', warning: 'warning',
};

export function pagerdutySeverity(value: unknown): PagerDutySeverity {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (/^\d+$/.test(text)) return BY_ID[Number(text)] ?? 'info';
  return BY_WORD[text] ?? 'info';
}
