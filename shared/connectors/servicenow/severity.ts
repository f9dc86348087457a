import type { Rating, ServiceNowConfig, Severity } from './config';

/**
 * Finding severity -> incident urgency and impact. ServiceNow derives priority from the two through
 * its priority lookup rules (https://www.servicenow.com/docs/bundle/latest/page/product/incident-management/reference/r_PrioritizationOfIncidents.html);
 * with the default matrix these give P1 for critical, P2 high, P3 medium, P4 low, P5 the rest.
 */
const DEFAULTS: Record<Severity, Rating> = {
  fatal: { urgency: '1', impact: '1' },
  critical: { urgency: '1', impact: '1' },
  high: { urgency: '1', impact: '2' },
  medium: { urgency: '2', impact: '2' },
  low: { urgency: '3', impact: '2' },
  informational: { urgency: '3', impact: '3' },
  unknown: { urgency: '3', impact: '3' },
  other: { urgency: '3', impact: '3' },
};

/** OCSF severity_id -> caption (https://schema.ocsf.io/1.3.0/classes/detection_finding). */
const BY_ID: Record<number, Severity> = { 0: 'unknown', 1: 'informational', 2: 'low', 3: 'medium', 4: 'high', 5: 'critical', 6: 'fatal', 99: 'other' };

/** The finding's severity: severity_id first (the normative attribute), else its caption. */
export function severityOf(data: unknown): Severity {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof d.severity_id === 'number' && BY_ID[d.severity_id]) return BY_ID[d.severity_id]!;
  const word = typeof d.severity === 'string' ? d.severity.toLowerCase() : '';
  // Own keys only: `in` also finds `constructor` and `__proto__`, which the event's text can name.
  return Object.hasOwn(DEFAULTS, word) ? (word as Severity) : 'unknown';
}

export function ratingOf(data: unknown, overrides: ServiceNowConfig['severity']): Rating {
  const severity = severityOf(data);
  return (overrides && Object.hasOwn(overrides, severity) ? overrides[severity] : undefined) ?? DEFAULTS[severity];
}
